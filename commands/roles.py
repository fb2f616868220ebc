"""Society-wide roles: moderators run polls anywhere; HQ may do everything."""

from __future__ import annotations

from typing import Annotated, Literal

from sqlalchemy import delete, func, select

from bot.context import Context
from bot.declarations import Arg
from bot.errors import Conflict
from bot.mentions import mention
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Reply
from storage.models import GrantedRole, Identity, Member, RoleGrant
from storage.upsert import InsertNew

router = Router("roles")

Who = Annotated[Member, Arg("the member")]
RoleName = Annotated[
    Literal["moderator", "hq"], Arg("moderator (polls anywhere) or hq (everything)")
]
TITLES = {GrantedRole.MODERATOR: "a moderator", GrantedRole.HQ: "HQ"}
_NEW_GRANT = InsertNew(RoleGrant, ["member_id", "role"])


@router.command("role", "grant", access=HQ_ONLY, examples=["/role grant @grace moderator"])
async def role_grant(context: Context, member: Who, role: RoleName) -> Reply:
    """Give a member a society-wide role."""
    granted = GrantedRole(role)
    row = {
        "member_id": member.id,
        "role": granted,
        "granted_by": context.member.id,
        "granted_at": context.now,
    }
    if await _NEW_GRANT.execute(context.session, row) is None:
        raise Conflict(f"{member.name} is already {TITLES[granted]}.")
    return Reply.public(f"{mention(member.id)} is now {TITLES[granted]}.")


@router.command("role", "revoke", access=HQ_ONLY, examples=["/role revoke @dan moderator"])
async def role_revoke(context: Context, member: Who, role: RoleName) -> Reply:
    """Take a society-wide role away from a member."""
    granted = GrantedRole(role)
    accounts = await context.session.execute(
        select(Identity.platform, Identity.external_id).where(Identity.member_id == member.id)
    )
    if granted is GrantedRole.HQ and any(context.settings.is_admin(p, u) for p, u in accounts):
        raise Conflict(
            f"{member.name} is HQ by configuration (CHAPTERHOUSE_ADMINS); remove them there."
        )
    if granted is GrantedRole.HQ and not context.settings.chapterhouse_admins:
        holders = await context.session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == GrantedRole.HQ)
        )
        if holders == 1:
            raise Conflict(f"{member.name} is the last HQ admin; grant HQ to someone else first.")
    removed = await context.session.execute(
        delete(RoleGrant)
        .where(RoleGrant.member_id == member.id, RoleGrant.role == granted)
        .returning(RoleGrant.id)
    )
    if removed.first() is None:
        raise Conflict(f"{member.name} is not {TITLES[granted]}.")
    return Reply.public(f"{mention(member.id)} is no longer {TITLES[granted]}.")
