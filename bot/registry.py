"""Routers collect one feature's declarations; the registry includes them all.

A feature declares its commands, due jobs, announcers, completers and live posts on
its own `Router`; the composition root includes every router into one `Registry`,
which refuses at start-up two of anything with the same name.
"""

from __future__ import annotations

import typing
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context, HomeSection, MemberHook
from bot.declarations import Arg as Arg
from bot.declarations import (
    CommandSpec,
    Handler,
    spec_from_handler,
)
from bot.declarations import Opt as Opt
from bot.due import DueJob, DueProbe
from bot.permissions import ANYONE, Access, Given
from bot.preload import Preload
from bot.reply import Reply

BatchHandler = Callable[[list[tuple[Context, dict[str, Any]]]], Awaitable[list[Reply]]]
"""Given (context, arguments) per request, all in one unit of work, a reply for each."""
AnyAnnouncer = Callable[..., Awaitable[Any]]
"""See `bot.notifier.Announcer`; loose here so the registry need not import the notifier."""
OwnerResolver = Callable[[Context, Any], Awaitable[set[int]]]
"""Given the typed value of a scoped parameter, the ids of the members who own it."""
Completer = Callable[[AsyncSession, str], Awaitable[list[str]]]
"""Given what the user has typed so far, up to `MAX_CHOICES` values that fit."""
MAX_CHOICES = 25
LiveRenderer = Callable[[AsyncSession, str, datetime], Awaitable[Reply | None]]
"""See `bot.live`: the current look of a live post, given its id."""


class Router:
    """One feature's commands, collected by decorators and included by the app."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.specs: list[CommandSpec] = []
        self.owners: dict[str, OwnerResolver] = {}
        self.preloads: dict[str, Preload] = {}
        self.announcers: dict[str, AnyAnnouncer] = {}
        self.completers: dict[str, Completer] = {}
        self.live: dict[str, LiveRenderer] = {}
        self.member_hooks: list[MemberHook] = []
        self.batches: dict[tuple[str, str | None], BatchHandler] = {}
        self.home_sections: list[tuple[int, HomeSection]] = []
        self.due_jobs: dict[str, DueJob] = {}
        self.due_probes: dict[str, DueProbe] = {}

    def command(
        self,
        group: str,
        name: str | None = None,
        *,
        access: Access = ANYONE,
        examples: Iterable[str] = (),
        confirm: bool = False,
        form: bool = False,
        given: Iterable[Given] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a command; `access` says who may run it, `given` who may use some
        of its arguments (see `bot.permissions.Given`)."""

        def decorate(handler: Handler) -> Handler:
            self.specs.append(
                spec_from_handler(handler, group, name, access, examples, confirm, form, given)
            )
            return handler

        return decorate

    def owner(
        self, kind: str, *, preload: Preload | None = None
    ) -> Callable[[OwnerResolver], OwnerResolver]:
        """Declare who owns a `kind`; with `preload`, how the dispatcher reads the thing
        a command names with the command's caller (see `bot.preload`)."""

        def decorate(resolver: OwnerResolver) -> OwnerResolver:
            self.owners[kind] = resolver
            if preload is not None:
                self.preloads[kind] = preload
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

    def due(self, name: str, *, probe: DueProbe | None = None) -> Callable[[DueJob], DueJob]:
        """Declare time-based work (`polls.close`), run by the scheduler on every tick.

        A job must be safe to run every minute, late, or from two processes at once:
        it claims each item before acting on it (see `bot.due`). With `probe`, a
        tick runs the job only when the probe finds something that may be due.
        """

        def decorate(job: DueJob) -> DueJob:
            self.due_jobs[name] = job
            if probe is not None:
                self.due_probes[name] = probe
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
        self._batches: dict[tuple[str, str | None], BatchHandler] = {}
        self._groups: frozenset[str] = frozenset()
        self._ordered: tuple[CommandSpec, ...] = ()
        """The specs in (group, name) order: sorted once per `include`, read per /help."""
        self._grouped: dict[str, tuple[CommandSpec, ...]] = {}
        self._home: list[tuple[int, HomeSection]] = []
        self.owners: dict[str, OwnerResolver] = {}
        self.preloads: dict[str, Preload] = {}
        self.announcers: dict[str, AnyAnnouncer] = {}
        self.completers: dict[str, Completer] = {}
        self.live: dict[str, LiveRenderer] = {}
        self.member_hooks: list[MemberHook] = []
        self.home_sections: list[HomeSection] = []
        self.due_jobs: dict[str, DueJob] = {}
        self.due_probes: dict[str, DueProbe] = {}

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
                if self._specs[key].access.privileged or self._specs[key].given:
                    # A refused request in a batch still shares a commit; keep audits honest.
                    raise ValueError(f"/{self._specs[key].path} is privileged and cannot batch")
                self._batches[key] = batch
            for kind, resolver in router.owners.items():
                if kind in self.owners:
                    raise ValueError(f"owner of {kind!r} is declared twice ({router.name})")
                self.owners[kind] = resolver
            self.preloads.update(router.preloads)  # one per owner, as checked above
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
            self.due_probes.update(router.due_probes)
            self.member_hooks.extend(router.member_hooks)
            self._home.extend(router.home_sections)
            for source, completer in router.completers.items():
                if source in self.completers:
                    raise ValueError(f"completer {source!r} is declared twice ({router.name})")
                self.completers[source] = completer
        self._groups = frozenset(g for g, _ in self._specs)
        self._ordered = tuple(sorted(self._specs.values(), key=lambda s: (s.group, s.name or "")))
        grouped: dict[str, list[CommandSpec]] = {}
        for spec in self._ordered:
            grouped.setdefault(spec.group, []).append(spec)
        self._grouped = {group: tuple(specs) for group, specs in grouped.items()}
        self.home_sections = [section for _, section in sorted(self._home, key=lambda o: o[0])]
        groups_with_subs = {g for (g, n) in self._specs if n is not None}
        for spec in self._specs.values():
            names = {p.name for p in spec.params}
            for access in (spec.access, *(rule.access for rule in spec.given)):
                owner = access.owner
                if owner is None:
                    continue
                if owner.kind not in self.owners:
                    raise ValueError(
                        f"/{spec.path} is scoped to a {owner.kind}, which has no owner"
                    )
                if {owner.param, *owner.also} - names:
                    raise ValueError(f"/{spec.path}: scope parameter {owner.param!r} is missing")
            for rule in spec.given:
                if not rule.params or set(rule.params) - names:
                    raise ValueError(f"/{spec.path}: a `given` rule names no parameter it has")
                if rule.fields() - names:
                    raise ValueError(f"/{spec.path}: a `given` rule's wording names no parameter")
                if not rule.access.privileged:
                    raise ValueError(f"/{spec.path}: a `given` rule must need a role")
            for param in spec.params:
                if param.complete is not None and param.complete not in self.completers:
                    raise ValueError(f"/{spec.path}: no completer for {param.complete!r}")
            if spec.name is None and spec.group in groups_with_subs:
                raise ValueError(f"/{spec.group} is both a command and a group")
        return self

    def __iter__(self) -> typing.Iterator[CommandSpec]:
        return iter(self._ordered)

    def ordered(self) -> tuple[CommandSpec, ...]:
        """Every spec in (group, name) order; the same tuple until the next `include`,
        so what is derived from it can be kept while it `is` the same."""
        return self._ordered

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, group: str, name: str | None) -> CommandSpec | None:
        return self._specs.get((group, name))

    def batch_for(self, spec: CommandSpec) -> BatchHandler | None:
        """How a burst of `spec` runs in one transaction, if its feature declared it."""
        return self._batches.get((spec.group, spec.name))

    def has_group(self, group: str) -> bool:
        return group in self._groups

    def group_names(self) -> list[str]:
        return sorted({g for g, _ in self._specs})

    def groups(self) -> dict[str, list[CommandSpec]]:
        return {group: list(specs) for group, specs in self._grouped.items()}

    def subcommands(self, group: str) -> list[CommandSpec]:
        return [s for s in self._grouped.get(group, ()) if s.name is not None]
