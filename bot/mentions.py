"""Neutral mention tokens.

Handlers write `mention(member_id)`; each adapter replaces the token with its own
form (`<@U123>` on Slack, `<@123>` on Discord, `@name` on the console) or the
display name where the member has no account there. The token's delimiters are
private-use characters that the parser strips from user input, so typed text can
never forge a mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

OPEN = "\ue000"
CLOSE = "\ue001"
TOKEN = re.compile(f"{OPEN}m(\\d+){CLOSE}")


def mention(member_id: int) -> str:
    return f"{OPEN}m{member_id}{CLOSE}"


def strip_tokens(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def member_ids(text: str) -> set[int]:
    return {int(match) for match in TOKEN.findall(text)}


@dataclass(frozen=True)
class Person:
    """What a renderer needs to write a mention: a name and the member's accounts."""

    name: str
    handles: Mapping[str, str] = field(default_factory=dict)


FORGOTTEN = Person("a former member")


def render_mentions(text: str, people: Mapping[int, Person], write: Callable[[Person], str]) -> str:
    return TOKEN.sub(lambda m: write(people.get(int(m.group(1)), FORGOTTEN)), text)
