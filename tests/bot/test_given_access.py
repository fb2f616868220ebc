"""Access that depends on the arguments (`Given`): declared on the command, checked by
the dispatcher after parsing, refused in the same words as any access, audited when
it applies, told by /help; and refused at start-up when declared wrong.

A toy command on the demo society: `/door ROOM [@member…] [--count N]` lets anyone in
themself; letting others in takes the room's keeper (bob keeps "blue") or HQ (alice).
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from sqlalchemy import select

from adapters.console.render import render
from bot.context import Context, Place, Request
from bot.declarations import Arg, MemberRef, Opt
from bot.dispatcher import Dispatcher
from bot.mentions import mention
from bot.permissions import ANYONE, HQ_ONLY, Access, Given, Owner, Role
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import ROUTERS
from storage.models import AuditEvent, Identity
from tests.support import TestBot

KEEPER = Access(frozenset({Role.HQ}), Owner("room", "room", "keeper"))
LET_IN = Given(
    ("members", "count"),
    KEEPER,
    "let others into room {room}",
    hint="come in yourself with /door {room}",
)
KEEPERS = {"blue": "bob"}

doors = Router("doors")


@doors.owner("room")
async def room_keepers(context: Context, room: str) -> set[int]:
    keeper = await context.session.scalar(
        select(Identity.member_id).where(
            Identity.platform == "console", Identity.external_id == KEEPERS.get(room, "")
        )
    )
    return {keeper} if keeper is not None else set()


@doors.command("door", given=[LET_IN], examples=["/door blue", "/door blue @grace"])
async def door(
    context: Context,
    room: Annotated[str, Arg("which room")],
    members: Annotated[tuple[MemberRef, ...], Arg("keeper: members to let in")] = (),
    count: Annotated[int | None, Opt("keeper: guests to let in", metavar="N")] = None,
) -> Reply:
    """Come in, or let others in."""
    return Reply.private(f"In: {room} {len(members)} {count or 0}")


def _dispatcher(bot: TestBot, *routers: Router) -> Dispatcher:
    registry = Registry().include(*ROUTERS, *routers)
    return Dispatcher(
        registry, bot.app.sessions, bot.app.settings, bot.clock, bot.app.notifier.flush
    )


async def _say(dispatcher: Dispatcher, text: str, user: str) -> Reply:
    return await dispatcher.handle(Request("console", user, user, Place("console", ""), text=text))


async def _audits(bot: TestBot) -> list[tuple[str, str]]:
    async with bot.uow() as uow:
        rows = await uow.session.execute(
            select(AuditEvent.action, AuditEvent.summary)
            .where(AuditEvent.action == "door")
            .order_by(AuditEvent.id)
        )
        return [(action, summary) for action, summary in rows]


async def _member(bot: TestBot, handle: str) -> int:
    async with bot.uow() as uow:
        found = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == handle)
        )
    assert found is not None
    return found


async def test_the_rule_applies_only_when_its_arguments_are_given(demo: TestBot) -> None:
    dispatcher = _dispatcher(demo, doors)
    mine = await _say(dispatcher, "/door blue", "grace")
    assert mine.ok and mine.text == "In: blue 0 0"
    assert await _audits(demo) == []  # nothing privileged was done
    for command in (
        "/door blue @frank",
        "/door blue --count 2",
        "/door blue --count 0",  # given, though 0 is falsy
        "/door blue @frank --count 1",
    ):
        before = await demo.snapshot()
        refused = await _say(dispatcher, command, "grace")
        assert not refused.ok
        assert refused.text == (
            "Only the keeper of that room or HQ may let others into room blue "
            "(come in yourself with /door blue)."
        )
        assert await demo.snapshot() == before, "a refusal wrote something"
    # Another room has another keeper (none): bob keeps only blue.
    refused = await _say(dispatcher, "/door red @frank", "bob")
    assert refused.text.startswith(
        "Only the keeper of that room or HQ may let others into room red"
    )


async def test_the_keeper_and_hq_pass_and_are_audited(demo: TestBot) -> None:
    dispatcher = _dispatcher(demo, doors)
    let_in = await _say(dispatcher, "/door blue @frank @grace", "bob")
    assert let_in.ok and let_in.text == "In: blue 2 0", let_in.text
    counted = await _say(dispatcher, "/door red --count 3", "alice")
    assert counted.ok, counted.text
    frank, grace = await _member(demo, "frank"), await _member(demo, "grace")
    assert await _audits(demo) == [
        ("door", f"/door blue {mention(frank)} {mention(grace)}"),
        ("door", "/door red --count 3"),
    ]


async def test_a_mention_of_nobody_known_is_audited_as_typed(demo: TestBot) -> None:
    dispatcher = _dispatcher(demo, doors)
    # The toy handler never resolves its mentions, so nobody is made for @stranger.
    assert (await _say(dispatcher, "/door blue @stranger", "bob")).ok
    assert await _audits(demo) == [("door", "/door blue @stranger")]


async def test_help_says_who_may_do_what(demo: TestBot) -> None:
    dispatcher = _dispatcher(demo, doors)
    shown = render(await _say(dispatcher, "/help door", "grace"))
    assert "Who may: any member." in shown, shown
    assert (
        "Who may let others into room ROOM, with @member… or --count: "
        "the keeper of that room or HQ." in shown
    ), shown


def _toy(given: Given, access: Access = ANYONE) -> Router:
    router = Router("toy")
    router.owner("room")(room_keepers)

    @router.command("toy", access=access, given=[given])
    async def toy(
        context: Context,
        room: Annotated[str, Arg("which room")],
        count: Annotated[int | None, Opt("how many")] = None,
    ) -> Reply:
        """A toy."""
        return Reply.private("ok")

    return router


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (Given(("guests",), KEEPER, "let in"), "names no parameter it has"),
        (Given((), KEEPER, "let in"), "names no parameter it has"),
        (Given(("count",), KEEPER, "let into {hall}"), "wording names no parameter"),
        (Given(("count",), ANYONE, "let in"), "must need a role"),
        (
            Given(("count",), Access(frozenset({Role.HQ}), Owner("hall", "room", "x")), "in"),
            "scoped to a hall, which has no owner",
        ),
        (
            Given(("count",), Access(frozenset({Role.HQ}), Owner("room", "hall", "x")), "in"),
            "scope parameter 'hall' is missing",
        ),
    ],
)
def test_a_wrong_declaration_is_refused_at_start_up(given: Given, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Registry().include(_toy(given))


def test_a_command_with_a_given_rule_cannot_batch() -> None:
    router = _toy(Given(("count",), HQ_ONLY, "count"))

    @router.batch("toy", None)
    async def many(items: list[tuple[Context, dict[str, Any]]]) -> list[Reply]:
        return [Reply.private("ok") for _ in items]

    with pytest.raises(ValueError, match="privileged and cannot batch"):
        Registry().include(router)
