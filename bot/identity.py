"""From a platform account to a member: registering newcomers, resolving mentions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from bot.config import AdminIdentity, Settings, normal_account_id
from bot.declarations import MemberRef
from bot.errors import BadArgument, NotFound, UserError
from bot.parser import closest
from bot.people import remember
from bot.permissions import Role
from bot.preload import Preload
from storage.jsonrows import json_rows
from storage.models import GrantedRole, Identity, Member, RoleGrant
from storage.uow import UnitOfWork

MAX_ACCOUNT_ID = 64
MAX_DISPLAY_NAME = 120
HINT_POOL = 2000
"""Handles sharing the first letters that "did you mean" compares against."""


Account = tuple[str, str, str]
"""(platform, platform user id, display name) as an adapter reports them."""

Entered = tuple[Member, Identity, frozenset[Role]]
"""The member behind an account, the account itself, and the roles the member holds."""

Seen = dict[tuple[str, str], tuple[Member, Identity, dict[str, str]]]
"""Accounts a command mentions, looked up with its caller's: (platform, account id) →
the member, the account, and all the member's accounts (platform → account id). A key
looked up and missing is simply absent (see `resolve`)."""


def _account_id(platform: str, external_id: str) -> str:
    external_id = normal_account_id(platform, external_id)
    if not external_id or len(external_id) > MAX_ACCOUNT_ID:
        raise BadArgument(
            f"An account name must be 1–{MAX_ACCOUNT_ID} characters; "
            f"{external_id[:20]!r}… is {len(external_id)}."
        )
    return external_id


async def register(
    uow: UnitOfWork, platform: str, external_id: str, display_name: str
) -> tuple[Member, Identity]:
    """The member behind an account, created on first contact."""
    found = (await register_many(uow, [(platform, external_id, display_name)]))[0]
    if isinstance(found, BadArgument):
        raise found
    return found


async def register_many(
    uow: UnitOfWork, accounts: Sequence[Account]
) -> list[tuple[Member, Identity] | BadArgument]:
    """The members behind many accounts in one query; newcomers are created.

    An account id that cannot be stored gets its error in its place in the list.
    """
    found, _ = await _members_of(uow, accounts, write=True)
    return [f if isinstance(f, BadArgument) else (f[0], f[1]) for f in found if f is not None]


async def known_many(
    uow: UnitOfWork, accounts: Sequence[Account]
) -> list[tuple[Member, Identity] | BadArgument | None]:
    """As `register_many`, but writing nothing: None for a newcomer, and a changed
    display name left as it was (see `renamed`).

    The dispatcher registers newcomers in a transaction of their own first, and
    leaves renames to `bot.activity`, so a command's transaction never writes a
    member's rows.
    """
    found, _ = await _members_of(uow, accounts, write=False)
    return [f if f is None or isinstance(f, BadArgument) else (f[0], f[1]) for f in found]


def renamed(identity: Identity, display: str) -> str | None:
    """The display name an account now reports, if it differs from the stored one."""
    display_name = display[:MAX_DISPLAY_NAME]
    return display_name if display_name and identity.display_name != display_name else None


async def enter_many(
    uow: UnitOfWork, accounts: Sequence[Account], settings: Settings, *, register: bool = True
) -> list[Entered | BadArgument | None]:
    """Identity, member and roles for many accounts in ONE statement: every command's entry.

    With `register`, newcomers are created (in this transaction); without, a newcomer
    is None and nothing is written, so the dispatcher can register them apart (a
    command's transaction never writes a member's rows: see `known_many`).
    """
    found, _ = await enter_with(uow, accounts, (), settings, register=register)
    return found


async def enter_with(
    uow: UnitOfWork,
    accounts: Sequence[Account],
    mentions: Iterable[MemberRef],
    settings: Settings,
    *,
    register: bool = True,
    preload: tuple[Preload, Any] | None = None,
) -> tuple[list[Entered | BadArgument | None], Seen]:
    """As `enter_many`, and the accounts `mentions` name looked up in the same statement.

    A command that mentions someone costs no statement of its own to find them: pass
    what this returns to `resolve`. A mention nobody holds yet is not created here (a
    Slack or Discord one is, by `resolve`, as ever). With `preload` (a declaration and
    the value typed), the row it names is read too and kept as it says.
    """
    wanted = {key for ref in mentions if (key := _mention_key(ref)) is not None}
    found, seen = await _members_of(
        uow, accounts, write=register, settings=settings, mentioned=wanted, preload=preload
    )
    entered: list[Entered | BadArgument | None] = [
        f if f is None or isinstance(f, BadArgument) else (f[0], f[1], f[2] or _NEWCOMER)
        for f in found
    ]
    return entered, seen


def _mention_key(ref: MemberRef) -> tuple[str, str] | None:
    """The account a mention names as `resolve` looks it up first; None if none can be."""
    if ref.platform in ("slack", "discord"):
        try:
            return ref.platform, _account_id(ref.platform, ref.external_id)
        except BadArgument:
            return None  # `resolve` refuses it, in its turn
    return "console", ref.external_id.lower()


_NEWCOMER = frozenset({Role.MEMBER})


def _enter_statement(
    settings: Settings,
    *,
    accounts: bool = False,
    preload: Preload | None = None,
    single: bool = False,
) -> Select[*tuple[Any, ...]]:
    """Identity, member, and (moderator, hq) as correlated EXISTS columns: plain SQL that
    SQLite and PostgreSQL both plan as an index probe per member found. With
    `accounts`, each member's accounts too (a JSON list), for the mentions among them;
    with `preload`, its row outer-joined by its unique key (parameter `preload`).

    Built once per list of configured admins and reused: building it costs more
    than running it. The accounts are expanding parameters, except for the common
    `single` account (a caller who mentions no one), whose plain equalities spare
    every execution the rewrite of the statement's text that expanding ones need.
    """
    admins = tuple(settings.chapterhouse_admins)
    shape = (admins, accounts, preload, single)
    cached = _ENTER.get(shape)
    if cached is not None:
        return cached
    moderator = exists().where(
        RoleGrant.member_id == Member.id, RoleGrant.role == GrantedRole.MODERATOR
    )
    hq: ColumnElement[bool] = exists().where(
        RoleGrant.member_id == Member.id, RoleGrant.role == GrantedRole.HQ
    )
    if admins:
        other = aliased(Identity)
        named = or_(
            *(
                and_(other.platform == admin.platform, other.external_id == admin.user_id)
                for admin in admins
            )
        )
        hq = or_(hq, exists().where(other.member_id == Member.id, named))
    held_by: tuple[ColumnElement[bool], ...] = (
        (
            Identity.platform == bindparam("platform"),
            Identity.external_id == bindparam("external_id"),
        )
        if single
        else (
            tuple_(Identity.platform, Identity.external_id).in_(
                bindparam("accounts", expanding=True)
            ),
            # Only for the plan: SQLite scans for a row-value IN of two or more pairs,
            # and probes its (platform, external_id) index for these.
            Identity.platform.in_(bindparam("platforms", expanding=True)),
            Identity.external_id.in_(bindparam("ids", expanding=True)),
        )
    )
    statement: Select[*tuple[Any, ...]] = (
        select(Identity, Member, moderator.label("is_moderator"), hq.label("is_hq"))
        .join(Member, Identity.member_id == Member.id)
        .where(*held_by)
    )
    if accounts:
        held = aliased(Identity)
        statement = statement.add_columns(
            select(json_rows(held.platform, held.external_id))
            .where(held.member_id == Member.id)
            .scalar_subquery()
            .label("handles")
        )
    if preload is not None:
        statement = statement.add_columns(preload.model).outerjoin(
            preload.model, preload.column == bindparam("preload")
        )
    _ENTER[shape] = statement
    return statement


_ENTER: dict[
    tuple[tuple[AdminIdentity, ...], bool, Preload | None, bool], Select[*tuple[Any, ...]]
] = {}


async def _members_of(
    uow: UnitOfWork,
    accounts: Sequence[Account],
    *,
    write: bool,
    settings: Settings | None = None,
    mentioned: set[tuple[str, str]] | None = None,
    preload: tuple[Preload, Any] | None = None,
) -> tuple[list[tuple[Member, Identity, frozenset[Role] | None] | BadArgument | None], Seen]:
    """The members behind accounts; with `settings`, their roles in the same statement,
    and the `mentioned` accounts that are known, with all their members' accounts.

    A member created here has no grants: its roles are MEMBER, plus HQ when its one
    account is a configured admin.
    """
    wanted: list[tuple[str, str] | BadArgument] = []
    for platform, external_id, _ in accounts:
        try:
            wanted.append((platform, _account_id(platform, external_id)))
        except BadArgument as error:
            wanted.append(error)
    keys = {w for w in wanted if not isinstance(w, BadArgument)}
    known: dict[tuple[str, str], tuple[Member, Identity, frozenset[Role] | None]] = {}
    seen: Seen = {}
    if (mentioned or preload) and settings is not None:
        mentioned = mentioned or set()
        declared, value = preload or (None, None)
        everyone = keys | mentioned
        statement = _enter_statement(
            settings, accounts=bool(mentioned), preload=declared, single=len(everyone) == 1
        )
        params = _accounts(everyone)
        if declared is not None:
            params["preload"] = value
        preloaded = None
        for row in await uow.session.execute(statement, params):
            i, m, is_mod, is_hq = row[:4]
            held = (i.platform, i.external_id)
            if held in keys:
                known[held] = (m, i, _roles(bool(is_mod), bool(is_hq)))
            if held in mentioned:
                seen[held] = (m, i, {p: e for p, e in row[4] or []})
            if declared is not None:
                preloaded = row[-1]
        if declared is not None and preloaded is not None:
            declared.keep(uow.session, value, preloaded)
    elif keys:
        if settings is None:
            where = tuple_(Identity.platform, Identity.external_id).in_(list(keys))
            rows = await uow.session.execute(
                select(Identity, Member).join(Member, Identity.member_id == Member.id).where(where)
            )
            known = {(i.platform, i.external_id): (m, i, None) for i, m in rows}
        else:
            entered = await uow.session.execute(
                _enter_statement(settings, single=len(keys) == 1), _accounts(keys)
            )
            known = {
                (i.platform, i.external_id): (m, i, _roles(bool(is_mod), bool(is_hq)))
                for i, m, is_mod, is_hq in entered
            }
    results: list[tuple[Member, Identity, frozenset[Role] | None] | BadArgument | None] = []
    for key, (_, _, display) in zip(wanted, accounts, strict=True):
        if isinstance(key, BadArgument):
            results.append(key)
            continue
        display_name = display[:MAX_DISPLAY_NAME]
        if not write and key not in known:
            results.append(None)
            continue
        if not write:
            results.append(known[key])
            continue
        if key not in known:
            member, identity = await _create(uow, *key, display_name)
            admin = settings is not None and settings.is_admin(*key)
            known[key] = (member, identity, _roles(False, admin) if settings else None)
        member, identity, roles = known[key]
        if display_name and identity.display_name != display_name:
            identity.display_name = display_name
        results.append((member, identity, roles))
    return results, seen


def _accounts(keys: set[tuple[str, str]]) -> dict[str, Any]:
    """The entry statement's parameters for these (platform, account id) pairs (see
    `_enter_statement`'s `single`)."""
    if len(keys) == 1:
        ((platform, external_id),) = keys
        return {"platform": platform, "external_id": external_id}
    return {
        "accounts": list(keys),
        "platforms": list({platform for platform, _ in keys}),
        "ids": list({external_id for _, external_id in keys}),
    }


def _roles(moderator: bool, hq: bool) -> frozenset[Role]:
    held = {Role.MEMBER}
    if moderator:
        held.add(Role.MODERATOR)
    if hq:
        held.add(Role.HQ)
    return frozenset(held)


async def _create(
    uow: UnitOfWork, platform: str, external_id: str, display_name: str
) -> tuple[Member, Identity]:
    name = display_name or external_id
    member = Member(name=name, joined_at=uow.now)
    identity = Identity(
        member=member,
        platform=platform,
        external_id=external_id,
        display_name=name,
        created_at=uow.now,
    )
    uow.session.add_all([member, identity])
    await uow.session.flush()
    return member, identity


async def roles_of(uow: UnitOfWork, member: Member, settings: Settings) -> frozenset[Role]:
    return (await roles_many(uow, [member.id], settings))[member.id]


async def roles_many(
    uow: UnitOfWork, member_ids: Iterable[int], settings: Settings
) -> dict[int, frozenset[Role]]:
    """Granted roles, plus HQ for members with an account named in CHAPTERHOUSE_ADMINS.

    One statement for any number of members: this runs before every command.
    """
    ids = set(member_ids)
    grants = select(RoleGrant.member_id, RoleGrant.role).where(RoleGrant.member_id.in_(ids))
    query: Executable = grants
    if settings.chapterhouse_admins:
        named = or_(
            *(
                and_(Identity.platform == admin.platform, Identity.external_id == admin.user_id)
                for admin in settings.chapterhouse_admins
            )
        )
        configured = select(Identity.member_id, literal(GrantedRole.HQ, RoleGrant.role.type)).where(
            Identity.member_id.in_(ids), named
        )
        query = union_all(grants, configured)
    roles = {member_id: {Role.MEMBER} for member_id in ids}
    for member_id, granted in await uow.session.execute(query):
        roles[member_id].add(Role.HQ if granted is GrantedRole.HQ else Role.MODERATOR)
    return {member_id: frozenset(held) for member_id, held in roles.items()}


async def resolve(uow: UnitOfWork, ref: MemberRef, seen: Seen | None = None) -> Member:
    """The member a typed mention means.

    Slack and Discord ids are authoritative, so an unseen account is registered;
    a console or bare `@name` must match someone already known. With `seen` (from
    `enter_with`, which looked this mention up) the account costs no statement to
    find, and one it did not find is not looked for again.
    """
    session = uow.session
    key = _mention_key(ref)
    if seen is not None and key is not None and key in seen:
        member, identity, handles = seen[key]
        if ref.platform in ("slack", "discord"):
            display_name = ref.name[:MAX_DISPLAY_NAME]
            if display_name and identity.display_name != display_name:
                identity.display_name = display_name  # as `register` would
        remember(session, member, handles)
        return member
    if ref.platform in ("slack", "discord"):
        if seen is not None and key is not None:  # looked up already: a newcomer
            member, identity = await _create(uow, *key, ref.name[:MAX_DISPLAY_NAME])
            seen[key] = (member, identity, {key[0]: key[1]})  # mentioned twice: once made
            return member
        member, _ = await register(uow, ref.platform, ref.external_id, ref.name)
        return member
    name = ref.external_id.lower()
    # The member with all their accounts (a row each): a reply that mentions them
    # needs no second query to write the mention (see `bot.people.remember`).
    account = aliased(Identity)
    rows = (
        []
        if seen is not None  # looked up with the caller: nobody holds it
        else (
            await session.execute(
                select(Member, account.platform, account.external_id)
                .join(Identity, Identity.member_id == Member.id)
                .outerjoin(account, account.member_id == Member.id)
                .where(Identity.platform == "console", Identity.external_id == name)
            )
        ).all()
    )
    if rows:
        exact = rows[0][0]
        remember(session, exact, {p: e for _, p, e in rows if p is not None})
        return exact
    # Each branch is served by its own lower(...) index; an OR across a join is not.
    named = union(
        select(Member.id).where(func.lower(Member.name) == name),
        select(Identity.member_id).where(func.lower(Identity.display_name) == name),
    ).limit(3)
    ids = list(await session.scalars(named))
    if len(ids) == 1:
        found = await session.get(Member, ids[0])
        assert found is not None
        return found
    if len(ids) > 1:
        raise BadArgument(f"@{name} matches several members; mention them by their account.")
    nearby = await session.scalars(
        select(Identity.external_id)
        .where(Identity.platform == "console", Identity.external_id.startswith(name[:2]))
        .order_by(Identity.external_id)
        .limit(HINT_POOL)
    )
    suggestion = closest(name, list(nearby))
    hint = f" Did you mean @{suggestion}?" if suggestion else ""
    raise NotFound(f"No member @{name}.{hint}")


async def known(uow: UnitOfWork, refs: Sequence[MemberRef]) -> dict[MemberRef, Member]:
    """The members typed mentions mean, those that are known; writes nothing, raises nothing.

    For records made after the fact (the audit log), where `resolve` has already
    answered the user, or never needed to. Platform mentions are looked up together.
    """
    platform = list(dict.fromkeys(r for r in refs if r.platform in ("slack", "discord")))
    looked = (
        await known_many(uow, [(r.platform, r.external_id, r.name) for r in platform])
        if platform
        else []
    )
    members = {r: f[0] for r, f in zip(platform, looked, strict=True) if isinstance(f, tuple)}
    for ref in dict.fromkeys(r for r in refs if r not in platform):
        with contextlib.suppress(UserError):  # a console or bare `@name` is only looked up
            members[ref] = await resolve(uow, ref)
    return members


async def society_has_hq(uow: UnitOfWork, settings: Settings) -> bool:
    """Whether anyone can act as HQ: a configured admin, or a member granted HQ."""
    if settings.chapterhouse_admins:
        return True
    granted = await uow.session.scalar(
        select(RoleGrant.id).where(RoleGrant.role == GrantedRole.HQ).limit(1)
    )
    return granted is not None


NO_HQ_HINT = (
    "This society has no HQ yet: appoint the first admin with "
    "`chapterhouse init --admin console:NAME` (or slack:USER_ID, discord:USER_ID), "
    "or list them in CHAPTERHOUSE_ADMINS."
)
