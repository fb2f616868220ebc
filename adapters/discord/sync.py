"""`chapterhouse discord sync`: publish the registry's commands to Discord.

Discord only shows commands it has been told about. A guild sync (DISCORD_GUILD_ID)
is instant and is what development wants; a global sync reaches every server the
bot is in, within about an hour. Neither needs the database or the gateway.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord.app import point_at
from adapters.discord.commands import build_tree
from bot.config import ConfigError, Settings
from bot.declarations import CommandSpec
from bot.registry import Registry


async def _never_run(interaction: discord.Interaction[Any], spec: CommandSpec, values: Any) -> None:
    raise RuntimeError("a syncing client does not run commands")  # pragma: no cover


async def _no_suggestions(source: str, typed: str) -> list[str]:
    return []  # pragma: no cover - a syncing client receives no autocomplete


async def sync_commands(settings: Settings, registry: Registry) -> tuple[str, list[str]]:
    """Sync; returns (where, the names of the commands Discord now has)."""
    if settings.discord_bot_token is None:
        raise ConfigError("DISCORD_BOT_TOKEN: set it to sync commands to Discord")
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    build_tree(tree, registry, _never_run, _no_suggestions)
    guild = discord.Object(settings.discord_guild_id) if settings.discord_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    try:
        await client.login(settings.discord_bot_token.get_secret_value())
        synced = await tree.sync(guild=guild)
    except discord.LoginFailure:
        raise ConfigError("DISCORD_BOT_TOKEN: Discord refused the token") from None
    finally:
        await client.close()
    where = f"guild {settings.discord_guild_id}" if guild is not None else "every server (global)"
    return where, sorted(command.name for command in synced)
