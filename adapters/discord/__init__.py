"""The Discord adapter: the real discord.py client, embeds and components, outgoing posts."""
