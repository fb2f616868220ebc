"""What did not arrive: the delivery ledger read for people, and HQ's `/deliveries` view.

Adapters record why a post failed in their platform's terms (`slack: not_in_channel`,
`discord: 403 50001 Missing Access`). The people who must act on it (invite the bot,
rebind a channel) need plain words, so each reason is shown both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument
from bot.mentions import mention
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section
from commands.text import moment, plural
from storage.models import ChannelBinding, Chapter, Delivery, DeliveryStatus, Identity

router = Router("deliveries")

PAGE = 25
"""Lines a page of the ledger shows at most; the rest are counted."""
STALE = timedelta(minutes=5)
"""A pending delivery older than this is worth an operator's look."""

_SLACK_REASONS = {
    "channel_not_found": "channel gone (deleted, or hidden from the bot)",
    "is_archived": "channel archived",
    "not_in_channel": "bot not in channel: invite it there",
    "ratelimited": "rate limited",
    "http_429": "rate limited",
    "msg_too_long": "message too long for Slack",
    "invalid_blocks": "Slack refused the message's layout",
    "user_not_found": "member's Slack account gone",
    "cannot_dm_bot": "that account is a bot",
    "account_inactive": "the Slack account is deactivated",
    "invalid_auth": "the bot's Slack token is not valid",
    "not_authed": "the bot's Slack token is missing",
    "token_revoked": "the bot's Slack token was revoked",
    "missing_scope": "the Slack app lacks a permission it needs",
    "restricted_action": "the workspace does not let the bot post there",
}
_DISCORD_CODES = {
    10003: "channel gone",
    10013: "member's Discord account gone",
    50001: "bot cannot see the channel (missing access)",
    50007: "the member does not accept direct messages",
    50013: "bot lacks permission to post there",
}
_DISCORD = re.compile(r"discord: (\d{3})(?: (\d+))?")


def plain_reason(error: str) -> str:
    """A failure as people say it, with the platform's own words after it."""
    platform, _, detail = error.partition(": ")
    words: str | None = None
    if platform == "slack":
        words = _SLACK_REASONS.get(detail)
        if words is None and detail.startswith("http_5"):
            words = "Slack had a server error"
    elif platform == "discord" and (match := _DISCORD.match(error)):
        status, code = int(match.group(1)), int(match.group(2) or 0)
        words = _DISCORD_CODES.get(code)
        if words is None and status == 429:
            words = "rate limited"
        elif words is None and status >= 500:
            words = "Discord had a server error"
    elif platform == "unexpected error":
        return f"an unexpected error, logged as {detail}"
    return f"{words} ({error})" if words else error


def pending_reason(delivery: Delivery, now: datetime, tz: ZoneInfo) -> str:
    """Why a delivery that is not final has not arrived yet."""
    if delivery.status is DeliveryStatus.SENDING:
        claimed = delivery.claimed_at
        if claimed is not None and now - claimed > STALE:
            return f"a sender took it at {moment(claimed, tz)} and did not finish"
        return "being sent now"
    held = delivery.not_before if delivery.not_before and delivery.not_before > now else None
    if delivery.error:
        later = f" {_wait(held, now, tz)}" if held else ""
        return f"{plain_reason(delivery.error)}; will be retried automatically{later}"
    if held:
        return f"held until {moment(held, tz)}"
    return f"waiting for a process connected to {delivery.platform.title()}"


def _wait(until: datetime, now: datetime, tz: ZoneInfo) -> str:
    """A retry soon in seconds or minutes (a backoff), a later one as a time of day."""
    seconds = (until - now).total_seconds()
    if seconds < 90:
        return f"in {max(1, round(seconds))} s"
    if seconds < 3600:
        return f"in {round(seconds / 60)} min"
    return f"after {moment(until, tz)}"


@dataclass(frozen=True)
class Ledger:
    """A delivery with where it went, as people name the place."""

    delivery: Delivery
    channel_name: str | None
    chapter: str | None
    member_id: int | None

    @property
    def where(self) -> str:
        d = self.delivery
        if d.direct:
            whom = mention(self.member_id) if self.member_id is not None else d.channel_id
            return f"direct message to {whom} ({d.platform})"
        channel = f"#{self.channel_name}" if self.channel_name else d.channel_id
        return f"{self.chapter or 'unbound'} · {channel} ({d.platform})"

    def reason(self, now: datetime, tz: ZoneInfo) -> str:
        d = self.delivery
        if d.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            return pending_reason(d, now, tz)
        if d.error:
            return plain_reason(d.error)
        return "no reason recorded"


def ledger(
    *where: ColumnElement[bool],
) -> Select[Delivery, str, str, int]:
    """Deliveries with their channel's name and chapter, or the member a message was for."""
    return (
        select(Delivery, ChannelBinding.channel_name, Chapter.name, Identity.member_id)
        .outerjoin(
            ChannelBinding,
            and_(
                ~Delivery.direct,
                ChannelBinding.platform == Delivery.platform,
                ChannelBinding.channel_id == Delivery.channel_id,
            ),
        )
        .outerjoin(Chapter, Chapter.id == ChannelBinding.chapter_id)
        .outerjoin(
            Identity,
            and_(
                Delivery.direct,
                Identity.platform == Delivery.platform,
                Identity.external_id == Delivery.channel_id,
            ),
        )
        .where(*where)
    )


async def load(
    session: AsyncSession, *where: ColumnElement[bool], limit: int | None = None
) -> list[Ledger]:
    """Matching deliveries: the latest `limit` of them, or all in the order queued."""
    query = ledger(*where).order_by(Delivery.id.desc() if limit else Delivery.id)
    rows = await session.execute(query.limit(limit) if limit else query)
    return [Ledger(d, channel, chapter, member) for d, channel, chapter, member in rows]


@router.command("deliveries", access=HQ_ONLY, examples=["/deliveries", "/deliveries --failed 10"])
async def deliveries(
    context: Context,
    count: Annotated[int, Arg("how many of the latest to show", metavar="N")] = 20,
    failed: Annotated[bool, Opt("only posts that failed or were skipped, not stuck ones")] = False,
) -> Reply:
    """Show posts that did not arrive: failed, skipped, or pending for more than a few minutes.

    Each line gives the delivery key, where it was going, why it did not arrive,
    how many attempts were made and when it was queued.
    """
    if not 1 <= count <= PAGE:
        raise BadArgument(f"N must be between 1 and {PAGE}, got {count}.")
    final = Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.SKIPPED])
    stuck = and_(
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        Delivery.created_at <= context.now - STALE,
    )
    wanted = final if failed else or_(final, stuck)
    total = int(
        await context.session.scalar(select(func.count()).select_from(Delivery).where(wanted)) or 0
    )
    if not total:
        what = "failed or was skipped" if failed else "failed, was skipped or is stuck"
        return Reply.private(f"Nothing {what}: every post so far arrived or is on its way.")
    rows = await load(context.session, wanted, limit=count)
    lines = [_line(row, context) for row in rows]
    title = "Failed or skipped posts" if failed else "Posts that did not arrive"
    header = f"{title} (latest {len(rows)} of {total})"
    blocks: list[Header | Section | Note] = [Header(header), Section("\n".join(lines))]
    if total > len(rows):
        blocks.append(Note(f"{total - len(rows)} more not shown."))
    return Reply.private("\n".join([header, *lines]), *blocks)


def _line(row: Ledger, context: Context) -> str:
    d = row.delivery
    return (
        f"• `{d.key}` · {row.where} · {d.status.value}: {row.reason(context.now, context.tz)} · "
        f"{plural(d.attempts, 'attempt')} · queued {moment(d.created_at, context.tz)}"
    )
