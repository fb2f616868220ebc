"""What a lead may write into an update: three short fields, never a channel-wide ping."""

from __future__ import annotations

import re

from bot.errors import BadArgument

MAX_FIELD = 500
MAX_LONG_FIELD = 1000
"""HQ's quarterly report is the longer form: each field holds this much."""
MAX_REASON = 300
FIELDS = (("asked", "--asked"), ("got", "--got"), ("next_", "--next"))
LIVE_MENTION = re.compile(
    r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[^>]*>|(?<![\w@])@(?:everyone|here|channel)\b",
    re.IGNORECASE,
)
"""Slack's escaped special mentions and the typed `@everyone`/`@here`/`@channel`."""


def long_form(kind: str, cadence: str) -> bool:
    """Whether an update is HQ's quarterly report: longer fields and a highlights field."""
    return kind == "society" and cadence == "quarterly"


def clean_field(value: str | None, flag: str, limit: int = MAX_FIELD) -> str:
    """The field as stored: trimmed, within the limit, with no mention of a whole channel."""
    if value is None:
        return ""
    text = "\n".join(" ".join(line.split()) for line in value.strip().splitlines()).strip()
    if len(text) > limit:
        raise BadArgument(f"{flag} is {len(text)} characters; keep it to {limit}.")
    if found := LIVE_MENTION.search(text):
        raise BadArgument(
            f"{flag} mentions {found.group(0)}; an update never pings a whole channel, "
            "so write it without the mention."
        )
    return text


def clip(text: str, limit: int = MAX_FIELD) -> str:
    """A draft's field cut to fit, visibly, at a line or word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    at = max(cut.rfind("\n"), cut.rfind(" "))
    return (cut[:at] if at > limit // 2 else cut).rstrip(" ;,") + "…"
