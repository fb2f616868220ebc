"""The Slack adapter: the real Bolt app, Block Kit rendering, outgoing posts."""
