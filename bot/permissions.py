"""Who may run what. Declared on each command; checked only in the dispatcher."""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Role(enum.StrEnum):
    MEMBER = "member"
    PRESIDENT = "president"
    LEAD = "lead"
    MODERATOR = "moderator"
    HQ = "hq"


ROLE_TITLES = {
    Role.MEMBER: "any member",
    Role.PRESIDENT: "a chapter president",
    Role.LEAD: "a workgroup lead",
    Role.MODERATOR: "a moderator",
    Role.HQ: "HQ",
}


@dataclass(frozen=True)
class Owner:
    """A scoped role: the holder of `title` over the thing named by parameter `param`."""

    kind: str
    param: str
    title: str
    wording: str | None = None
    """How to name the holder where `the {title} of that {kind}` would read badly."""
    also: tuple[str, ...] = ()
    """More parameters that say which thing is meant: the resolver is then handed a
    tuple of all their values (`param`'s first) instead of `param`'s alone."""

    def value(self, args: Mapping[str, Any]) -> Any:
        if not self.also:
            return args[self.param]
        return tuple(args[name] for name in (self.param, *self.also))

    def describe(self) -> str:
        return self.wording or f"the {self.title} of that {self.kind}"


@dataclass(frozen=True)
class Access:
    """Society-wide roles that pass, plus an optional owner of the named thing.

    HQ passes every check, so it is implied wherever a command is privileged.
    """

    roles: frozenset[Role]
    owner: Owner | None = None

    @property
    def privileged(self) -> bool:
        return Role.MEMBER not in self.roles

    def describe(self) -> str:
        if not self.privileged:
            return ROLE_TITLES[Role.MEMBER]
        parts: list[str] = []
        if self.owner is not None:
            parts.append(self.owner.describe())
        parts += [ROLE_TITLES[r] for r in (Role.MODERATOR,) if r in self.roles]
        parts.append(ROLE_TITLES[Role.HQ])
        return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]

    def label(self) -> str:
        """Who may, in a word or two (`HQ`, `moderator`, `president`), for overviews
        that list many commands on one line; `describe` says it in full."""
        words = [self.owner.title] if self.owner is not None else []
        words += [ROLE_TITLES[r] for r in (Role.MODERATOR,) if r in self.roles]
        return ", ".join(words) if words else ROLE_TITLES[Role.HQ]


@dataclass(frozen=True)
class Given:
    """Access a command needs only when it is given some of its arguments.

    One command may do more for some than for all: `/event checkin 3` checks the
    member in themself, anyone may; `/event checkin 3 @grace` checks someone else in,
    which only the event's organiser or a helper may. Declared beside `access`, it is
    checked by the dispatcher after parsing, as `access` is, refused in the same
    words, and the command is audited whenever it applies.
    """

    params: tuple[str, ...]
    """The rule applies when any of these is given (not None, not False, not empty)."""
    access: Access
    action: str
    """What those arguments do, for the refusal (`Only … may {action}.`) and help;
    `{name}` fields are filled in with the arguments (`check others in to event {event_id}`)."""
    hint: str = ""
    """What the caller may do instead, in brackets after the refusal; filled in likewise."""

    def applies(self, args: Mapping[str, Any]) -> bool:
        return any(_given(args.get(name)) for name in self.params)

    def fields(self) -> set[str]:
        """The argument names `action` and `hint` are filled in with."""
        return {
            name
            for text in (self.action, self.hint)
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        }

    def refused(self, args: Mapping[str, Any]) -> str:
        """What the refusal says may not be done: `{action} ({hint})`, filled in."""
        action = self.action.format_map(args)
        return f"{action} ({self.hint.format_map(args)})" if self.hint else action


def _given(value: Any) -> bool:
    """Typed at all: `--guests 0` is given (and refused by who may give it), `0 == False`
    notwithstanding; an absent option is None, an unset flag False, no mentions ()."""
    return not (value is None or value is False or value == ())


ANYONE = Access(frozenset({Role.MEMBER}))
HQ_ONLY = Access(frozenset({Role.HQ}))
MODERATORS = Access(frozenset({Role.MODERATOR, Role.HQ}))


def president_of(param: str) -> Access:
    return Access(frozenset({Role.HQ}), Owner("chapter", param, "president"))


def lead_of(param: str) -> Access:
    return Access(frozenset({Role.HQ}), Owner("workgroup", param, "lead"))
