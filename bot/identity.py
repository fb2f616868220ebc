"""From a platform account to a member: registering newcomers, resolving mentions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Executable,
    and_,
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

from bot.config import Settings, normal_account_id
from bot.declarations import MemberRef
from bot.errors import BadArgument, NotFound
from bot.parser import closest
from bot.permissions import Role
from storage.models import GrantedRole, Identity, Member, RoleGrant
from storage.uow import UnitOfWork

MAX_ACCOUNT_ID = 64
MAX_DISPLAY_NAME = 120
HINT_POOL = 2000
"""Handles sharing the first letters that "did you mean" compares against."""


Account = tuple[str, str, str]
"""(platform, platform user id, display name) as an adapter reports them."""


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
    found = await _enter(uow, accounts, None)
    return [f if isinstance(f, BadArgument) else (f[0], f[1]) for f in found]


Entered = tuple[Member, Identity, frozenset[Role]]


async def enter_many(
    uow: UnitOfWork, accounts: Sequence[Account], settings: Settings
) -> list[Entered | BadArgument]:
    """`register_many` and `roles_many` in one statement: what every command starts with.

    For known accounts (nearly every command) the identity, its member and the
    member's roles come back in one round trip; only newcomers cost their inserts.
    """
    return await _enter(uow, accounts, settings)


async def _enter(
    uow: UnitOfWork, accounts: Sequence[Account], settings: Settings | None
) -> list[Entered | BadArgument]:
    wanted: list[tuple[str, str] | BadArgument] = []
    for platform, external_id, _ in accounts:
        try:
            wanted.append((platform, _account_id(platform, external_id)))
        except BadArgument as error:
            wanted.append(error)
    keys = {w for w in wanted if not isinstance(w, BadArgument)}
    known: dict[tuple[str, str], tuple[Member, Identity]] = {}
    roles: dict[int, set[Role]] = {}
    admins = {(a.platform, a.user_id) for a in settings.chapterhouse_admins} if settings else set()
    if keys:
        columns: list[Any] = [Identity, Member]
        if settings is not None:
            # One row per grant (or one with NULL): the grants' unique index serves the join.
            columns.append(RoleGrant.role)
            if admins:
                columns.append(_named_admin(admins))
        query = select(*columns).select_from(Identity).join(Member, Identity.member_id == Member.id)
        if settings is not None:
            query = query.outerjoin(RoleGrant, RoleGrant.member_id == Member.id)
        rows = await uow.session.execute(
            query.where(tuple_(Identity.platform, Identity.external_id).in_(list(keys)))
        )
        for row in rows:
            identity, member = row[0], row[1]
            known[identity.platform, identity.external_id] = (member, identity)
            held = roles.setdefault(member.id, {Role.MEMBER})
            if settings is None:
                continue
            granted = row[2]
            if granted is not None:
                held.add(Role.HQ if granted is GrantedRole.HQ else Role.MODERATOR)
            if admins and row[3]:
                held.add(Role.HQ)
    results: list[Entered | BadArgument] = []
    for key, (_, _, display) in zip(wanted, accounts, strict=True):
        if isinstance(key, BadArgument):
            results.append(key)
            continue
        display_name = display[:MAX_DISPLAY_NAME]
        if key not in known:
            known[key] = await _create(uow, *key, display_name)
            # A newcomer has no grants and this one account: HQ only if it is named.
            roles[known[key][0].id] = {Role.MEMBER, Role.HQ} if key in admins else {Role.MEMBER}
        member, identity = known[key]
        if display_name and identity.display_name != display_name:
            identity.display_name = display_name
        results.append((member, identity, frozenset(roles[member.id])))
    return results


def _named_admin(admins: set[tuple[str, str]]) -> Any:
    """Whether any account of the row's member is named in CHAPTERHOUSE_ADMINS."""
    other = aliased(Identity)
    return (
        exists()
        .where(
            other.member_id == Member.id,
            or_(*(and_(other.platform == p, other.external_id == u) for p, u in sorted(admins))),
        )
        .label("named_admin")
    )


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


async def resolve(uow: UnitOfWork, ref: MemberRef) -> Member:
    """The member a typed mention means.

    Slack and Discord ids are authoritative, so an unseen account is registered;
    a console or bare `@name` must match someone already known.
    """
    if ref.platform in ("slack", "discord"):
        member, _ = await register(uow, ref.platform, ref.external_id, ref.name)
        return member
    name = ref.external_id.lower()
    session = uow.session
    exact = await session.scalar(
        select(Member)
        .join(Identity, Identity.member_id == Member.id)
        .where(Identity.platform == "console", Identity.external_id == name)
    )
    if exact is not None:
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


def touch(member: Member, now: datetime) -> None:
    """Mark activity, at most every few minutes so busy members cost no extra writes."""
    if member.last_active_at is None or (now - member.last_active_at).total_seconds() > 600:
        member.last_active_at = now
