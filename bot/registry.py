"""Command declarations: each command is declared once, as typed data.

A handler's signature *is* its declaration: `Annotated[T, Arg(...)]` marks a
positional, `Annotated[T, Opt(...)]` an option, and the Python type picks the
parameter kind. The Slack parser, the Discord command tree, the console and
`/help` all read the resulting frozen `CommandSpec`, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.permissions import ANYONE, Access
from storage.models import Member

if typing.TYPE_CHECKING:
    from bot.context import Context
    from bot.due import DueJob
    from bot.reply import Block, Reply


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


Handler = Callable[..., Awaitable["Reply"]]
BatchHandler = Callable[[list[tuple["Context", dict[str, Any]]]], Awaitable[list["Reply"]]]
"""Given (context, arguments) per request, all in one unit of work, a reply for each."""
AnyAnnouncer = Callable[..., Awaitable[Any]]
"""See `bot.notifier.Announcer`; loose here so the registry need not import the notifier."""


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
    batch: BatchHandler | None = field(default=None, compare=False, repr=False)
    """Runs many concurrent requests of this command in one transaction (see `Router.batch`)."""
    form: bool = False
    """Typed with no arguments, platforms with forms (Slack, Discord modals) ask for them."""

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
    )


def spec_from_handler(
    handler: Handler,
    group: str,
    name: str | None,
    access: Access,
    examples: Iterable[str],
    confirm: bool,
    form: bool = False,
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
        if not p.required:
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
    )


OwnerResolver = Callable[["Context", Any], Awaitable[set[int]]]
"""Given the typed value of a scoped parameter, the ids of the members who own it."""
Completer = Callable[[AsyncSession, str], Awaitable[list[str]]]
"""Given what the user has typed so far, up to `MAX_CHOICES` values that fit."""
MAX_CHOICES = 25
LiveRenderer = Callable[[AsyncSession, str, datetime], Awaitable["Reply | None"]]
"""See `bot.live`: the current look of a live post, given its id."""
MemberHook = Callable[["Context", Member, Member | None], Awaitable[None]]
"""Runs before a member is merged into another (target given) or forgotten (None)."""
HomeSection = Callable[["Context"], Awaitable[list["Block"]]]
"""One feature's part of a member's dashboard (Slack's App Home): blocks, or none."""


class Router:
    """One feature's commands, collected by decorators and included by the app."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.specs: list[CommandSpec] = []
        self.owners: dict[str, OwnerResolver] = {}
        self.announcers: dict[str, AnyAnnouncer] = {}
        self.completers: dict[str, Completer] = {}
        self.live: dict[str, LiveRenderer] = {}
        self.member_hooks: list[MemberHook] = []
        self.batches: dict[tuple[str, str | None], BatchHandler] = {}
        self.home_sections: list[tuple[int, HomeSection]] = []
        self.due_jobs: dict[str, DueJob] = {}

    def command(
        self,
        group: str,
        name: str | None = None,
        *,
        access: Access = ANYONE,
        examples: Iterable[str] = (),
        confirm: bool = False,
        form: bool = False,
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.specs.append(
                spec_from_handler(handler, group, name, access, examples, confirm, form)
            )
            return handler

        return decorate

    def owner(self, kind: str) -> Callable[[OwnerResolver], OwnerResolver]:
        def decorate(resolver: OwnerResolver) -> OwnerResolver:
            self.owners[kind] = resolver
            return resolver

        return decorate

    def completer(self, source: str) -> Callable[[Completer], Completer]:
        """Declare the autocomplete source that parameters name with `complete=`."""

        def decorate(completer: Completer) -> Completer:
            self.completers[source] = completer
            return completer

        return decorate

    def announcer(self, kind: str) -> Callable[[AnyAnnouncer], AnyAnnouncer]:
        """Declare how a domain event of `kind` is announced to chapter channels."""

        def decorate(announcer: AnyAnnouncer) -> AnyAnnouncer:
            self.announcers[kind] = announcer
            return announcer

        return decorate

    def batch(self, group: str, name: str | None) -> Callable[[BatchHandler], BatchHandler]:
        """Declare how a burst of one command is run together: one transaction, set-based.

        For commands that arrive in bursts (a society voting at once). The batch
        handler must write nothing for a request it refuses, since the others commit;
        the dispatcher still registers, authorises and audits each request.
        """

        def decorate(handler: BatchHandler) -> BatchHandler:
            self.batches[(group, name)] = handler
            return handler

        return decorate

    def live_post(self, kind: str) -> Callable[[LiveRenderer], LiveRenderer]:
        """Declare how a live post of `kind` (`poll` for `poll:12`) is rendered anew."""

        def decorate(renderer: LiveRenderer) -> LiveRenderer:
            self.live[kind] = renderer
            return renderer

        return decorate

    def home(self, order: int) -> Callable[[HomeSection], HomeSection]:
        """Declare this feature's part of the member's dashboard, placed by `order`.

        Features add their own sections, so a new feature shows on every platform's
        dashboard without touching an adapter.
        """

        def decorate(section: HomeSection) -> HomeSection:
            self.home_sections.append((order, section))
            return section

        return decorate

    def due(self, name: str) -> Callable[[DueJob], DueJob]:
        """Declare time-based work (`polls.close`), run by the scheduler on every tick.

        A job must be safe to run every minute, late, or from two processes at once:
        it claims each item before acting on it (see `bot.due`).
        """

        def decorate(job: DueJob) -> DueJob:
            self.due_jobs[name] = job
            return job

        return decorate

    def before_member_leaves(self, hook: MemberHook) -> MemberHook:
        """Declare a step to run before a member is merged away or forgotten.

        Rows that key on a member without a foreign key (a ballot's keyed hash)
        cannot be moved by the generic merge; their owner moves them here.
        """
        self.member_hooks.append(hook)
        return hook


class Registry:
    """Every command of the app; refuses at start-up to hold two of the same name."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str | None], CommandSpec] = {}
        self._groups: frozenset[str] = frozenset()
        self._home: list[tuple[int, HomeSection]] = []
        self.owners: dict[str, OwnerResolver] = {}
        self.announcers: dict[str, AnyAnnouncer] = {}
        self.completers: dict[str, Completer] = {}
        self.live: dict[str, LiveRenderer] = {}
        self.member_hooks: list[MemberHook] = []
        self.home_sections: list[HomeSection] = []
        self.due_jobs: dict[str, DueJob] = {}

    def include(self, *routers: Router) -> Registry:
        for router in routers:
            for spec in router.specs:
                key = (spec.group, spec.name)
                if key in self._specs:
                    raise ValueError(f"command /{spec.path} is declared twice ({router.name})")
                self._specs[key] = spec
            for key, batch in router.batches.items():
                if key not in self._specs:
                    raise ValueError(f"batch for unknown command /{' '.join(filter(None, key))}")
                if self._specs[key].access.privileged:
                    # A refused request in a batch still shares a commit; keep audits honest.
                    raise ValueError(f"/{self._specs[key].path} is privileged and cannot batch")
                self._specs[key] = dataclasses.replace(self._specs[key], batch=batch)
            for kind, resolver in router.owners.items():
                if kind in self.owners:
                    raise ValueError(f"owner of {kind!r} is declared twice ({router.name})")
                self.owners[kind] = resolver
            for kind, announcer in router.announcers.items():
                if kind in self.announcers:
                    raise ValueError(f"announcer of {kind!r} is declared twice ({router.name})")
                self.announcers[kind] = announcer
            for kind, renderer in router.live.items():
                if kind in self.live:
                    raise ValueError(f"live post {kind!r} is declared twice ({router.name})")
                self.live[kind] = renderer
            for name, job in router.due_jobs.items():
                if name in self.due_jobs:
                    raise ValueError(f"due job {name!r} is declared twice ({router.name})")
                self.due_jobs[name] = job
            self.member_hooks.extend(router.member_hooks)
            self._home.extend(router.home_sections)
            for source, completer in router.completers.items():
                if source in self.completers:
                    raise ValueError(f"completer {source!r} is declared twice ({router.name})")
                self.completers[source] = completer
        self._groups = frozenset(g for g, _ in self._specs)
        self.home_sections = [section for _, section in sorted(self._home, key=lambda o: o[0])]
        groups_with_subs = {g for (g, n) in self._specs if n is not None}
        for spec in self._specs.values():
            owner = spec.access.owner
            if owner is not None and owner.kind not in self.owners:
                raise ValueError(f"/{spec.path} is scoped to a {owner.kind}, which has no owner")
            if owner is not None and owner.param not in {p.name for p in spec.params}:
                raise ValueError(f"/{spec.path}: scope parameter {owner.param!r} is missing")
            for param in spec.params:
                if param.complete is not None and param.complete not in self.completers:
                    raise ValueError(f"/{spec.path}: no completer for {param.complete!r}")
            if spec.name is None and spec.group in groups_with_subs:
                raise ValueError(f"/{spec.group} is both a command and a group")
        return self

    def __iter__(self) -> typing.Iterator[CommandSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.group, s.name or "")))

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, group: str, name: str | None) -> CommandSpec | None:
        return self._specs.get((group, name))

    def has_group(self, group: str) -> bool:
        return group in self._groups

    def group_names(self) -> list[str]:
        return sorted({g for g, _ in self._specs})

    def groups(self) -> dict[str, list[CommandSpec]]:
        grouped: dict[str, list[CommandSpec]] = {}
        for spec in self:
            grouped.setdefault(spec.group, []).append(spec)
        return grouped

    def subcommands(self, group: str) -> list[CommandSpec]:
        return [s for s in self if s.group == group and s.name is not None]
