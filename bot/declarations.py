"""Command declarations: each command is declared once, as typed data.

A handler's signature *is* its declaration: `Annotated[T, Arg(...)]` marks a
positional, `Annotated[T, Opt(...)]` an option, and the Python type picks the
parameter kind. The Slack parser, the Discord command tree, the console and
`/help` all read the resulting frozen `CommandSpec`, so they cannot drift apart.

This module knows nothing of the context a handler runs in, or of the registry
that collects the declarations: both sit above it.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from bot.permissions import Access, Given
from bot.reply import Reply
from storage.models import Member


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    FLAG = "flag"
    CHOICE = "choice"
    DATE = "date"
    WHEN = "when"
    DURATION = "duration"
    MEMBER = "member"
    CHANNEL = "channel"


class When(datetime):
    """Annotation marker: a point in time typed as a duration from now or a date."""


@dataclass(frozen=True)
class MemberRef:
    """A member as typed: a platform mention or a console `@name`, resolved later."""

    platform: str
    external_id: str
    name: str = ""


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    channel_id: str
    name: str = ""


@dataclass(frozen=True)
class Arg:
    """Marks a positional parameter."""

    help: str
    complete: str | None = None
    past: bool = False
    """For dates: a bare weekday name means the most recent one, not the next."""
    metavar: str | None = None
    spare: bool = False
    """Optional, yet before required positionals: it takes a word only when more words
    are typed than the required ones need (`/event create [CHAPTER] KIND WHEN TITLE`)."""


@dataclass(frozen=True)
class Opt:
    """Marks an `--option` (or a `--flag` for booleans)."""

    help: str
    complete: str | None = None
    past: bool = False
    metavar: str | None = None


@dataclass(frozen=True)
class Param:
    name: str
    """The Python name the handler receives."""
    kind: Kind
    help: str
    positional: bool
    required: bool
    default: Any = None
    choices: tuple[str, ...] = ()
    variadic: bool = False
    complete: str | None = None
    past: bool = False
    metavar_override: str | None = None
    resolve: bool = False
    """For members: hand the handler the stored Member, not the mention as typed."""
    spare: bool = False
    """See `Arg.spare`."""

    @property
    def flag(self) -> str:
        return "--" + self.name.rstrip("_").replace("_", "-")

    @property
    def metavar(self) -> str:
        if self.metavar_override:
            return self.metavar_override
        if self.choices:
            return "|".join(self.choices)
        if self.kind is Kind.MEMBER:
            return "@member"
        return self.name.rstrip("_").upper()

    def usage(self) -> str:
        if self.positional:
            text = self.metavar + ("…" if self.variadic else "")
            return text if self.required else f"[{text}]"
        text = self.flag if self.kind is Kind.FLAG else f"{self.flag} {self.metavar}"
        return text if self.required else f"[{text}]"


Handler = Callable[..., Awaitable[Reply]]
"""A command: the request's context first, then its typed arguments."""


@dataclass(frozen=True)
class CommandSpec:
    group: str
    name: str | None
    params: tuple[Param, ...]
    access: Access
    summary: str
    description: str
    examples: tuple[str, ...]
    handler: Handler = field(compare=False, repr=False)
    confirm: bool = False
    """Destructive: adapters may ask for confirmation before running it."""
    form: bool = False
    """Typed with no arguments, platforms with forms (Slack, Discord modals) ask for them."""
    given: tuple[Given, ...] = ()
    """More access, needed only when some arguments are given (see `Given`)."""

    @property
    def path(self) -> str:
        return self.group if self.name is None else f"{self.group} {self.name}"

    @property
    def positionals(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.positional)

    @property
    def options(self) -> dict[str, Param]:
        return {p.flag: p for p in self.params if not p.positional}

    def usage(self) -> str:
        return " ".join([f"/{self.path}", *(p.usage() for p in self.params)])

    def rules(self, args: dict[str, Any]) -> list[Given]:
        """The `given` rules these arguments bring into force."""
        return [rule for rule in self.given if rule.applies(args)]

    def privileged(self, args: dict[str, Any]) -> bool:
        """Whether running it with these arguments takes a role, so is checked and audited."""
        return self.access.privileged or bool(self.rules(args))


_TYPES: dict[Any, Kind] = {
    str: Kind.TEXT,
    int: Kind.INT,
    bool: Kind.FLAG,
    date: Kind.DATE,
    When: Kind.WHEN,
    timedelta: Kind.DURATION,
    MemberRef: Kind.MEMBER,
    Member: Kind.MEMBER,
    ChannelRef: Kind.CHANNEL,
}


def _param_from(name: str, annotation: Any, default: Any) -> Param:
    if typing.get_origin(annotation) is not Annotated:
        raise TypeError(f"parameter {name!r} needs Annotated[T, Arg(...)] or Opt(...)")
    base, *extras = typing.get_args(annotation)
    marker = next((e for e in extras if isinstance(e, Arg | Opt)), None)
    if marker is None:
        raise TypeError(f"parameter {name!r} has no Arg(...) or Opt(...) marker")
    required = default is inspect.Parameter.empty
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(base) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"parameter {name!r}: only `T | None` unions are supported")
        base = members[0]
    variadic = False
    if typing.get_origin(base) is tuple:
        base, variadic = typing.get_args(base)[0], True
    choices: tuple[str, ...] = ()
    if typing.get_origin(base) is Literal:
        choices, kind = tuple(str(c) for c in typing.get_args(base)), Kind.CHOICE
    elif base in _TYPES:
        kind = _TYPES[base]
    else:
        raise TypeError(f"parameter {name!r}: unsupported type {base!r}")
    if kind is Kind.FLAG:
        if isinstance(marker, Arg):
            raise TypeError(f"flag {name!r} must be an Opt")
        required, default = False, False
    return Param(
        name=name,
        kind=kind,
        help=marker.help,
        positional=isinstance(marker, Arg),
        required=required,
        default=None if default is inspect.Parameter.empty else default,
        choices=choices,
        variadic=variadic,
        complete=marker.complete,
        past=marker.past,
        metavar_override=marker.metavar,
        resolve=base is Member,
        spare=isinstance(marker, Arg) and marker.spare,
    )


def spec_from_handler(
    handler: Handler,
    group: str,
    name: str | None,
    access: Access,
    examples: Iterable[str],
    confirm: bool,
    form: bool = False,
    given: Iterable[Given] = (),
) -> CommandSpec:
    hints = typing.get_type_hints(handler, include_extras=True)
    params: list[Param] = []
    signature = inspect.signature(handler)
    for index, (pname, parameter) in enumerate(signature.parameters.items()):
        if index == 0:
            continue  # the Context
        params.append(_param_from(pname, hints[pname], parameter.default))
    positionals = [p for p in params if p.positional]
    for earlier in positionals[:-1]:
        if earlier.variadic:
            raise TypeError(f"{group} {name}: only the last positional may be variadic")
    seen_optional = False
    for p in positionals:
        if not p.required and not p.spare:
            seen_optional = True
        elif seen_optional:
            raise TypeError(f"{group} {name}: required {p.name!r} follows an optional positional")
    doc = inspect.cleandoc(handler.__doc__ or "").strip()
    if not doc:
        raise TypeError(f"{group} {name}: a command's docstring is its help; write one")
    summary, _, description = doc.partition("\n")
    return CommandSpec(
        group=group,
        name=name,
        params=tuple(params),
        access=access,
        summary=summary.strip(),
        description=description.strip(),
        examples=tuple(examples),
        handler=handler,
        confirm=confirm,
        form=form,
        given=tuple(given),
    )
