"""The one path every command takes, whatever platform it came from.

parse → identity → member → permission → handler → audit → commit → notify
→ follow-up (a handler's later answer, such as a delivery report, if it left one).
A `UserError` anywhere rolls the whole unit of work back and becomes one line;
anything else is logged with an error id the user can quote.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity import Activity, stale
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, Request
from bot.declarations import CommandSpec, Kind, MemberRef
from bot.errors import BadArgument, Forbidden, UserError
from bot.identity import (
    NO_HQ_HINT,
    Account,
    Seen,
    enter_many,
    enter_with,
    known,
    known_many,
    register_many,
    renamed,
    resolve,
    society_has_hq,
)
from bot.inbound import claim_first, first_delivery
from bot.mentions import member_ids, mention
from bot.metrics import command_counted, command_timed
from bot.parser import ParseEnv, bind_values, parse
from bot.people import with_people
from bot.permissions import Access, Role
from bot.preload import Preload
from bot.profilefill import ProfileFiller
from bot.registry import Registry
from bot.reply import Reply
from storage.models import Identity, Member
from storage.uow import FollowUp, UnitOfWork

log = logging.getLogger("chapterhouse.dispatcher")

ALREADY_ANSWERED = "That was already answered."
"""What `handle` says of a repeated delivery; adapters use `handle_once`, which answers nothing."""

RETRIES = 3
"""Attempts for a command that lost a race (unique constraint, serialisation failure)."""

AfterCommit = Callable[[frozenset[str], bool], Awaitable[None]]
"""Runs after a command committed work for later: receives the live subjects it
touched, and whether it left posts to deliver (events or direct messages)."""


MAX_BATCH = 250
"""Requests of a batched command run in one transaction, at most."""


@dataclass
class _Outcome:
    """What one transaction leaves for after its commit."""

    replies: list[Reply | None]
    """None for a repeated delivery (`Request.claims`): nothing ran, nothing to answer."""
    work: tuple[frozenset[str], bool] | None
    """For `after_commit`: live subjects touched, and whether posts wait to be delivered."""
    follow_up: FollowUp | None = None
    active: tuple[int, ...] = ()
    """Members whose command did something: their "last active" is stamped later."""
    renames: tuple[tuple[int, str], ...] = ()
    """(identity id, display name) for accounts whose platform name changed; written later."""


@dataclass
class _Pending:
    request: Request
    values: dict[str, Any]
    reply: asyncio.Future[Reply | None]


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        after_commit: AfterCommit | None = None,
        activity: Activity | None = None,
        profiles: ProfileFiller | None = None,
    ) -> None:
        self.activity = activity or Activity(sessions, clock, interval=0)
        self.registry = registry
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.after_commit = after_commit
        self.profiles = profiles
        """Fills members' profiles from their platform after their commands."""
        self._waiting: dict[tuple[str, str | None], list[_Pending]] = {}
        self._drainers: dict[tuple[str, str | None], asyncio.Task[None]] = {}
        bind = sessions.kw.get("bind")
        self._claims_inside = bind is None or bind.dialect.name == "sqlite"
        """Whether a delivery is claimed in its command's transaction (`handle_once`)."""

    async def handle(self, request: Request) -> Reply:
        """The command's reply; for a request that carries no claims (`handle_once`)."""
        reply = await self.handle_once(request)
        return reply if reply is not None else Reply.private(ALREADY_ANSWERED)

    async def handle_once(self, request: Request) -> Reply | None:
        """The command's reply, or None for a repeated delivery: nothing ran, answer nothing.

        A request's `claims` are written as the first statement of the command's
        own transaction (`bot.inbound.claim_first`), so the claim costs neither a
        transaction nor a turn at SQLite's writer gate of its own, and commits with
        the command's work (a command that only reads commits it alone). A command
        refused or failed rolls its transaction back, claim included; its claim is
        then written apart (`_refused`), so a re-delivery is still dropped.

        That is for SQLite, whose one writer every transaction queues for: a claim
        apart would queue a second time. PostgreSQL runs transactions side by side,
        and there the claims of many deliveries are written together before their
        commands (`first_delivery`), in one statement and one commit, while the
        commands run; in each command's own transaction they measured slower.
        """
        if request.claims and not self._claims_inside:
            if not await first_delivery(self.sessions, list(request.claims)):
                return None
            request = dataclasses.replace(request, claims=())
        now = self.clock.now()
        env = ParseEnv(request.platform, now, self.settings.tz)
        try:
            spec, values = self._parse(request, env)
        except UserError as error:
            [first] = await self._claim_apart([request])
            if not first:
                return None
            command_counted(request.platform, "unparsed", "refused").inc()
            return Reply.error(str(error))
        started = time.perf_counter()
        if self.registry.batch_for(spec) is not None:
            reply = await self._join_batch(spec, request, values)
        else:
            reply = (await self._attempt(spec, [(request, values)]))[0]
        if reply is None:
            return None
        command_timed(spec.path).observe(time.perf_counter() - started)
        if self.profiles is not None:
            self.profiles.noticed(request.platform, request.user_id, request.profile)
        command_counted(request.platform, spec.path, "ok" if reply.ok else "refused").inc()
        return reply

    async def view(self, request: Request, page: Callable[[Context], Awaitable[Reply]]) -> Reply:
        """A page for the member who asked (a dashboard), through the same identity path.

        No command and no permission: a page shows only what its member may see.
        Errors become one line, as for commands.
        """
        now = self.clock.now()
        try:
            async with UnitOfWork(self.sessions, now) as uow:
                account = request.platform, request.user_id, request.user_name
                [found] = await enter_many(uow, [account], self.settings)
                if isinstance(found, BadArgument):
                    raise found
                assert found is not None  # registered
                member, identity, roles = found
                context = self._context(uow, request, member, identity, roles)
                reply = await with_people(uow.session, await page(context))
                await uow.commit()
                return reply
        except UserError as error:
            return Reply.error(str(error))
        except Exception as error:
            return self._crash("view", error)

    async def _join_batch(
        self, spec: CommandSpec, request: Request, values: dict[str, Any]
    ) -> Reply | None:
        """Queue a request of a batched command; one drainer per command runs the queue.

        Requests that arrive while a batch is running wait for the next one, so a
        burst is served in a few transactions instead of one each.
        """
        key = (spec.group, spec.name)
        reply: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(_Pending(request, values, reply))
        if key not in self._drainers:
            self._drainers[key] = asyncio.create_task(self._drain(spec, key))
        return await reply

    async def _drain(self, spec: CommandSpec, key: tuple[str, str | None]) -> None:
        waiting = self._waiting[key]
        batch: list[_Pending] = []
        try:
            while waiting:
                batch = waiting[:MAX_BATCH]
                del waiting[:MAX_BATCH]
                replies = await self._attempt(spec, [(p.request, p.values) for p in batch])
                for pending, reply in zip(batch, replies, strict=True):
                    if not pending.reply.done():  # its caller may have gone away
                        pending.reply.set_result(reply)
                batch = []
        finally:
            del self._drainers[key]
            for pending in [*batch, *waiting]:  # only if this drainer was cancelled
                pending.reply.cancel()
            waiting.clear()

    async def _attempt(
        self, spec: CommandSpec, items: list[tuple[Request, dict[str, Any]]]
    ) -> list[Reply | None]:
        """Run requests in one transaction, retrying lost races; a reply for each.

        A retry claims its deliveries again in its own transaction: the lost
        attempt's claims were rolled back with it, so it cannot meet them.
        """
        now = self.clock.now()
        for attempt in range(1, RETRIES + 1):
            try:
                outcome = await self._run(spec, items, now)
            except UserError as error:
                return await self._refused(items, Reply.error(str(error)))
            except (IntegrityError, DBAPIError) as error:
                if _is_race(error) and attempt < RETRIES:
                    log.info("retrying /%s after a conflict (attempt %d)", spec.path, attempt)
                    continue
                return await self._refused(items, self._crash(spec, error))
            except Exception as error:
                return await self._refused(items, self._crash(spec, error))
            if outcome.active or outcome.renames:
                try:
                    await self.activity.note(outcome.active, outcome.renames)
                except Exception:
                    log.exception("stamping activity after /%s failed", spec.path)
            if outcome.work is not None and self.after_commit is not None:
                try:
                    await self.after_commit(*outcome.work)
                except Exception:
                    log.exception("delivering events after /%s failed; they stay queued", spec.path)
            if outcome.follow_up is not None:
                [reply] = outcome.replies
                assert reply is not None  # a repeat runs nothing, so leaves no follow-up
                return [await self._follow_up(spec, outcome.follow_up, reply)]
            return outcome.replies
        raise AssertionError("unreachable")  # pragma: no cover

    async def _refused(
        self, items: list[tuple[Request, dict[str, Any]]], reply: Reply
    ) -> list[Reply | None]:
        """`reply` for each first delivery among requests whose transaction rolled back."""
        firsts = await self._claim_apart([request for request, _ in items])
        return [reply if first else None for first in firsts]

    async def _claim_apart(self, requests: list[Request]) -> list[bool]:
        """The claims of requests that ran nothing, each in a transaction of its own.

        The rare path: a refusal or a failure rolled the command's transaction back,
        its claim with it, and a re-delivery must still be dropped rather than
        answered twice. A copy that came meanwhile and claimed first was answered
        (or will be): this one then answers nothing. If the claim itself cannot be
        written, the refusal is answered anyway: the member hears what happened.
        """
        claimed = [r for r in requests if r.claims]
        if not claimed:
            return [True] * len(requests)
        try:
            firsts = await asyncio.gather(
                *(first_delivery(self.sessions, list(r.claims)) for r in claimed)
            )
        except Exception:
            log.exception("claiming a refused delivery failed; answering it anyway")
            return [True] * len(requests)
        found = dict(zip(map(id, claimed), firsts, strict=True))
        return [found.get(id(r), True) for r in requests]

    async def _follow_up(self, spec: CommandSpec, follow_up: FollowUp, reply: Reply) -> Reply:
        """The follow-up's reply instead of the handler's; the handler's if it fails.

        The work is committed by now, so a failing follow-up must not turn a command
        that succeeded into an error: its reply still says what was done.
        """
        now = self.clock.now()  # delivery took time: a report says how things stand now
        try:
            later = await follow_up(now)
            if not isinstance(later, Reply):
                raise TypeError(f"a follow-up returned {type(later).__name__}, not a Reply")
            async with UnitOfWork(self.sessions, now) as uow:
                return await with_people(uow.session, later)
        except Exception:
            log.exception("the follow-up of /%s failed; its first reply stands", spec.path)
            return reply

    def _parse(self, request: Request, env: ParseEnv) -> tuple[CommandSpec, dict[str, Any]]:
        check_characters(request.text or "")
        for value in request.values.values():
            for part in (value,) if isinstance(value, str) else value:
                check_characters(part)
        if request.text is not None:
            return parse(self.registry, request.text, env)
        if request.path is None:
            raise BadArgument("Type a command such as /help.")
        spec = self.registry.get(*request.path)
        if spec is None:
            raise BadArgument(f"Unknown command /{' '.join(p for p in request.path if p)}.")
        return spec, bind_values(spec, request.values, env)

    async def _run(
        self, spec: CommandSpec, items: list[tuple[Request, dict[str, Any]]], now: datetime
    ) -> _Outcome:
        """The command's transaction, after registering newcomers in one of their own.

        A command's transaction writes no member or identity row, so nothing it
        writes (an anonymous ballot) shares a transaction id with its member's rows.
        A newcomer whose command was refused (or failed) is unregistered again: a
        refusal changes nothing.
        """
        accounts = [(r.platform, r.user_id, r.user_name) for r, _ in items]
        created: dict[int, int] = {}  # request index → member registered for it
        try:
            for attempt in range(1, RETRIES + 1):
                outcome = await self._run_once(spec, items, now, register=attempt == RETRIES)
                if outcome is not None:
                    break
                created.update(await self._register(accounts, now))
            else:  # pragma: no cover
                raise AssertionError("unreachable")
        except Exception:
            await self._unregister(set(created.values()), now)
            raise
        kept = {  # a repeat ran nothing: the member its first copy registered stays
            member
            for index, member in created.items()
            if (reply := outcome.replies[index]) is None or reply.ok
        }
        await self._unregister(set(created.values()) - kept, now)
        return outcome

    async def _register(self, accounts: list[Account], now: datetime) -> dict[int, int]:
        """Register the newcomers among `accounts`; the member made for each request index."""
        async with UnitOfWork(self.sessions, now) as uow:
            looked = await known_many(uow, accounts)
            found = await register_many(uow, accounts)
            await uow.commit()
        return {
            index: account[0].id
            for index, (before, account) in enumerate(zip(looked, found, strict=True))
            if before is None and not isinstance(account, BadArgument)
        }

    async def _unregister(self, member_ids: set[int], now: datetime) -> None:
        if not member_ids:
            return
        try:
            async with UnitOfWork(self.sessions, now) as uow:
                await uow.session.execute(
                    delete(Identity).where(Identity.member_id.in_(member_ids))
                )
                await uow.session.execute(delete(Member).where(Member.id.in_(member_ids)))
                await uow.commit()
        except Exception:
            log.exception("unregistering newcomers whose command was refused failed")

    async def _run_once(
        self,
        spec: CommandSpec,
        items: list[tuple[Request, dict[str, Any]]],
        now: datetime,
        *,
        register: bool,
    ) -> _Outcome | None:
        """identity → member → permission → handler → audit → commit, for every request.

        None, with nothing written, when an account must be registered first.
        A single command's refusal rolls everything back (it is raised). In a batch,
        a request refused before its handler gets its one line and the rest go on.
        Follow-ups belong to single commands: a batch's replies are not replaced.
        """
        async with UnitOfWork(self.sessions, now) as uow:
            firsts = await self._claim(uow, items)
            fresh = [item for item, first in zip(items, firsts, strict=True) if first]
            if not fresh:  # rolled back on leaving: a repeat leaves nothing
                return _Outcome([None] * len(items), None)
            outcome = await self._work(uow, spec, fresh, now, register=register)
            if outcome is None:
                return None
            await uow.commit()
        if len(fresh) < len(items):
            replies = iter(outcome.replies)
            outcome.replies = [next(replies) if first else None for first in firsts]
        return outcome

    async def _claim(
        self, uow: UnitOfWork, items: list[tuple[Request, dict[str, Any]]]
    ) -> list[bool]:
        """The requests' delivery claims, as the first statement of their transaction.

        Deliveries happen in real time, so a claim is stamped with the wall clock,
        not the dispatcher's (which a test may set anywhere).
        """
        if not any(request.claims for request, _ in items):
            return [True] * len(items)
        return await claim_first(
            uow.session, [request.claims for request, _ in items], datetime.now(UTC)
        )

    async def _work(
        self,
        uow: UnitOfWork,
        spec: CommandSpec,
        items: list[tuple[Request, dict[str, Any]]],
        now: datetime,
        *,
        register: bool,
    ) -> _Outcome | None:
        """The body of `_run_once`, in its unit of work, up to the commit."""
        batch = self.registry.batch_for(spec)
        accounts = [(r.platform, r.user_id, r.user_name) for r, _ in items]
        # One statement: identity, member and roles, and the accounts the commands
        # mention. Without `register` a newcomer comes back None and nothing is
        # written (they are registered apart).
        mentions = [m for _, values in items for m in _mentions(spec, values)]
        looked, seen = await enter_with(
            uow,
            accounts,
            mentions,
            self.settings,
            register=register,
            preload=self._preload(spec, items),
        )
        if any(f is None for f in looked):
            return None
        found = [f for f in looked if f is not None]
        renames = [  # written later with the activity stamps, never in this transaction
            (f[1].id, name)
            for f, (_, _, display) in zip(found, accounts, strict=True)
            if not isinstance(f, BadArgument) and (name := renamed(f[1], display)) is not None
        ]
        replies: dict[int, Reply] = {}
        ready: list[tuple[int, Context, dict[str, Any]]] = []
        for index, ((request, values), account) in enumerate(zip(items, found, strict=True)):
            try:
                if isinstance(account, BadArgument):
                    raise account
                member, identity, roles = account
                context = self._context(uow, request, member, identity, roles)
                args = await self._resolve_members(uow, spec, values, seen)
                await self._authorize(context, spec, args)
            except UserError as error:
                if batch is None:
                    raise
                replies[index] = Reply.error(str(error))
                continue
            ready.append((index, context, args))
        if batch is not None:  # never privileged: the registry refuses it
            results = await batch([(c, a) for _, c, a in ready]) if ready else []
        else:
            [(_, context, args)] = ready
            results = [await spec.handler(context, **args)]
            if spec.privileged(args):
                # After the handler: the mentions it resolved are audited as members.
                shown = await _known_members(uow, args)
                summary = canonical(spec, shown)
                uow.audit(context.member.id, spec.path, summary, mentioned=member_ids(summary))
        active: list[int] = []
        for (index, context, _), reply in zip(ready, results, strict=True):
            if reply.ok and stale(context.member, now):  # a refusal changes nothing
                active.append(context.member.id)
            replies[index] = (await with_people(uow.session, reply)).for_reader(
                context.member.timezone
            )
        deliver = bool(uow.events or uow.queued)
        work = (frozenset(uow.touched), deliver) if uow.has_work else None
        follow_up = uow.follow_up
        if follow_up is not None and batch is not None:
            log.error("/%s is batched; its follow-up is ignored", spec.path)
            follow_up = None
        return _Outcome(
            [replies[index] for index in range(len(items))],
            work,
            follow_up,
            tuple(active),
            tuple(dict(renames).items()),
        )

    def _context(
        self,
        uow: UnitOfWork,
        request: Request,
        member: Member,
        identity: Identity,
        roles: frozenset[Role],
    ) -> Context:
        return Context(
            member=member,
            identity=identity,
            roles=roles,
            place=request.place,
            uow=uow,
            settings=self.settings,
            registry=self.registry,
        )

    def _preload(
        self, spec: CommandSpec, items: list[tuple[Request, dict[str, Any]]]
    ) -> tuple[Preload, Any] | None:
        """What the command's scope names, to read with its caller (see `bot.preload`)."""
        owner = spec.access.owner
        if owner is None or owner.also or len(items) != 1:
            return None
        preload = self.registry.preloads.get(owner.kind)
        if preload is None:
            return None
        key = preload.key(items[0][1].get(owner.param))
        return None if key is None else (preload, key)

    async def _resolve_members(
        self, uow: UnitOfWork, spec: CommandSpec, values: dict[str, Any], seen: Seen
    ) -> dict[str, Any]:
        resolved = dict(values)
        for param in spec.params:
            value = values.get(param.name)
            if param.resolve and isinstance(value, MemberRef):
                resolved[param.name] = await resolve(uow, value, seen)
        return resolved

    async def _authorize(self, context: Context, spec: CommandSpec, args: dict[str, Any]) -> None:
        """The declared access, then each `given` rule the arguments bring into force."""
        await self._check(context, spec.access, args, f"use /{spec.path}")
        for rule in spec.rules(args):
            await self._check(context, rule.access, args, rule.refused(args))

    async def _check(
        self, context: Context, access: Access, args: dict[str, Any], action: str
    ) -> None:
        if not access.privileged or Role.HQ in context.roles:
            return
        if context.roles & access.roles:
            return
        if access.owner is not None:
            resolver = self.registry.owners[access.owner.kind]
            owners = await resolver(context, access.owner.value(args))
            if context.member.id in owners:
                return
        refusal = Forbidden(access.describe(), action)
        if not await society_has_hq(context.uow, self.settings):
            refusal.args = (f"{refusal} {NO_HQ_HINT}",)
        raise refusal

    def _crash(self, spec: CommandSpec | str, error: BaseException) -> Reply:
        error_id = secrets.token_hex(4)
        where = spec if isinstance(spec, str) else f"/{spec.path}"
        if disk_full(error):
            log.error("error %s in %s: the disk is full", error_id, where)
            return Reply.error(
                "The server's disk is full, so nothing was saved; tell whoever runs "
                f"Chapterhouse (error {error_id})."
            )
        log.error("error %s in %s", error_id, where, exc_info=error)
        return Reply.error(
            f"Something went wrong on our side (error {error_id}); nothing was changed. "
            "Tell an admin this id if it keeps happening."
        )


def _mentions(spec: CommandSpec, values: dict[str, Any]) -> list[MemberRef]:
    """The mentions `_resolve_members` will resolve: looked up with the caller."""
    return [
        value
        for param in spec.params
        if param.resolve and isinstance(value := values.get(param.name), MemberRef)
    ]


_SUSPECT = re.compile("[\x00\ud800-\udfff]")


def check_characters(text: str) -> None:
    """Refuse text no database stores: NUL (PostgreSQL rejects it) and lone surrogates.

    Both arrive only by accident (a paste from a binary file, a broken client), and
    the database's refusal would surface as an internal error after the work was done.
    """
    if _SUSPECT.search(text) is None:  # nearly always: one scan in C, not one per character
        return
    if "\x00" in text:
        raise BadArgument("That text contains a NUL character; remove it and try again.")
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise BadArgument(
            "That text contains a broken character (a lone surrogate); retype it and try again."
        )


def disk_full(error: BaseException) -> bool:
    """SQLite's "database or disk is full", or the system's ENOSPC, however wrapped."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if "database or disk is full" in str(seen).lower():
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


def _is_race(error: DBAPIError) -> bool:
    """Lost races that a fresh attempt resolves: duplicates, serialisation, lock waits."""
    if isinstance(error, IntegrityError):
        return True
    text = str(error.orig).lower()
    return any(
        marker in text
        for marker in ("could not serialize", "deadlock detected", "database is locked")
    )


async def _known_members(uow: UnitOfWork, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments with each mention as typed replaced by the member it names, if known,
    so the audit log names members by their mention token (forgetting them works)."""
    values = [
        v for value in args.values() for v in (value if isinstance(value, tuple) else (value,))
    ]
    members = await known(uow, [v for v in values if isinstance(v, MemberRef)])

    def one(value: Any) -> Any:
        return members.get(value, value) if isinstance(value, MemberRef) else value

    return {
        name: tuple(one(v) for v in value) if isinstance(value, tuple) else one(value)
        for name, value in args.items()
    }


def canonical(spec: CommandSpec, args: dict[str, Any]) -> str:
    """The command as it ran, for the audit log; members appear as mention tokens."""
    parts = [f"/{spec.path}"]
    for param in spec.params:
        value = args.get(param.name)
        if value is None or value is False or value == ():
            continue
        rendered = " ".join(_render(v) for v in value) if param.variadic else _render(value)
        if param.positional:
            parts.append(rendered)
        elif param.kind is Kind.FLAG:
            parts.append(param.flag)
        else:
            parts.append(f"{param.flag} {rendered}")
    return " ".join(parts)


def _render(value: Any) -> str:
    if isinstance(value, Member):
        return mention(value.id)
    if isinstance(value, MemberRef):  # nobody known by it: as typed
        return f"@{value.name or value.external_id}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"
    text = str(value)
    if '"' in text:
        return f"“{text}”"  # for reading: straight quotes inside stay visible
    return f'"{text}"' if (" " in text or not text) else text
