"""The member's dashboard (Slack's App Home; any platform may show it).

Each feature contributes its own section (`Router.home`), so the page grows with
the command set and no adapter knows what is on it.
"""

from __future__ import annotations

from bot.context import Context
from bot.reply import Block, Header, Note, Reply


async def dashboard(context: Context) -> Reply:
    blocks: list[Block] = [Header(f"Chapterhouse · {context.member.name}")]
    for section in context.registry.home_sections:
        blocks += await section(context)
    blocks.append(Note("Type /help in any channel for every command."))
    return Reply.private(f"{context.member.name}'s dashboard", *blocks)
