"""Positions as chapters decide them, on the demo society's console channels.

The demo has three active chapters with bound channels: Boston (bob presides,
grace is a member), Washington DC (carol) and San Francisco (erin; dan the
moderator); London, Chicago and New York are incubating. alice is HQ. With three
active chapters the default rule needs 2 check-ins (quorum ½) and ⅔ of the
chapters taking a side to agree.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select

from adapters.console.render import render
from bot.context import Place, Request
from bot.home import dashboard
from commands.positions.deciding import decide_due
from storage.models import (
    AuditEvent,
    OutboxEvent,
    Position,
    PositionCheckin,
    PositionCheckout,
    PositionStance,
    PositionStatus,
)
from tests.support import START, TestBot

CHANNELS = ["boston", "san-francisco", "washington-dc"]
STATEMENT = "Every chapter publishes its yearly budget to its members."


async def propose(
    demo: TestBot, title: str = "Publish budgets", *, as_: str = "grace", extra: str = ""
) -> int:
    reply = await demo.send(
        f'/position propose "{title}" --statement "{STATEMENT}" {extra}'.strip(), as_=as_
    )
    assert reply.ok, reply.text
    match = re.search(r"Proposed position (\d+):", reply.text)
    assert match, reply.text
    return int(match.group(1))


async def opened(demo: TestBot, title: str = "Publish budgets", extra: str = "") -> int:
    """A position proposed by grace and opened by dan (the moderator)."""
    position = await propose(demo, title)
    await demo.ok(f"/position open {position} {extra}".strip(), as_="dan")
    return position


async def load(demo: TestBot, position_id: int) -> Position:
    async with demo.uow() as uow:
        found = await uow.session.get(Position, position_id)
        assert found is not None
        return found


async def stances(demo: TestBot, position_id: int) -> list[PositionStance]:
    async with demo.uow() as uow:
        return list(
            await uow.session.scalars(
                select(PositionStance).where(PositionStance.position_id == position_id)
            )
        )


async def history(demo: TestBot, position_id: int) -> list[PositionCheckin]:
    async with demo.uow() as uow:
        return list(
            await uow.session.scalars(
                select(PositionCheckin)
                .where(PositionCheckin.position_id == position_id)
                .order_by(PositionCheckin.id)
            )
        )


async def events(demo: TestBot, kind: str) -> int:
    return await demo.count(OutboxEvent, OutboxEvent.kind == kind)


def posted(demo: TestBot, needle: str) -> list[str]:
    """The channels that received a post containing `needle`, sorted."""
    return sorted(channel for channel, text in demo.posts if needle in text)


def post_of(demo: TestBot, needle: str) -> str:
    """The first post containing `needle`."""
    return next(text for _, text in demo.posts if needle in text)


async def dashboard_of(demo: TestBot, who: str) -> str:
    request = Request("console", who, who, Place("console", "", ""))
    reply = await demo.app.dispatcher.view(request, dashboard)
    assert reply.ok, reply.text
    return render(reply)


# The whole flow


async def test_propose_open_checkout_checkin_adopt_announced_once_everywhere(
    demo: TestBot,
) -> None:
    position = await propose(demo)
    draft = await demo.ok(f"/position show {position}", as_="erin")
    assert "draft: not open to chapters yet" in draft and STATEMENT in draft
    assert f"/position open {position}" in draft
    assert (await load(demo, position)).status is PositionStatus.DRAFT

    opening = await demo.ok(f"/position open {position}", as_="dan")
    assert "until Wed 15 Jul 16:00 UTC; announced to 3 chapter channels" in opening
    assert posted(demo, f"Position {position} is open to the chapters") == CHANNELS
    announcement = next(t for _, t in demo.posts if "is open to the chapters" in t)
    assert f"/position checkout {position} --chapter CHAPTER --meeting DATE" in announcement
    assert f"/position checkin {position} --chapter CHAPTER agree|disagree|abstain" in announcement
    assert "(2 of 3 now)" in announcement and "Check-ins close Wed 15 Jul 16:00 UTC" in announcement

    out = await demo.ok(
        f"/position checkout {position} --chapter Boston --meeting 2026-07-01", as_="bob"
    )
    assert f"Boston checked out position {position} (Publish budgets)" in out
    assert "for its meeting on 2026-07-01" in out
    await demo.ok(f'/position checkout {position} --chapter "Washington DC"', as_="carol")
    listed = await demo.ok("/position list", as_="grace")
    assert f"{position} Publish budgets — open until Wed 15 Jul 16:00 UTC" in listed
    assert "checked out by Boston (2026-07-01), Washington DC" in listed

    first = await demo.ok(
        f"/position checkin {position} --chapter Boston agree --for 12 --against 3 "
        '--abstain 1 --summary "Broad support; review it in a year"',
        as_="bob",
    )
    assert "Boston checked in on position" in first
    assert "agree (12 for, 3 against, 1 abstaining)" in first
    assert "needs 1 more chapter to reach quorum" in first
    assert (await load(demo, position)).status is PositionStatus.OPEN
    assert await events(demo, "position.adopted") == 0

    demo.posts.clear()
    second = await demo.ok(
        f'/position checkin {position} --chapter "Washington DC" agree --for 9 --against 0',
        as_="carol",
    )
    assert f"Position {position} is adopted; every chapter channel hears of it." in second
    stored = await load(demo, position)
    assert stored.status is PositionStatus.ADOPTED and stored.decided_at == START
    assert await events(demo, "position.adopted") == 1
    assert posted(demo, f"Position {position} adopted: Publish budgets") == CHANNELS
    assert len(demo.posts) == 3
    for _, text in demo.posts:
        assert "Adopted. 2 of 3 active chapters checked in: 2 agree, 0 disagree, 0 abstain." in text
        assert "Boston: agree (12 for, 3 against, 1 abstaining)" in text
        assert "“Broad support; review it in a year”" in text
        assert "checked out for its meeting on 2026-07-01" in text
        assert "Washington DC: agree (9 for, 0 against)" in text

    # Nothing decides it again: not the deadline, not a look.
    demo.clock.advance(timedelta(days=31))
    assert position not in await decide_due(demo.app.sessions, demo.clock.now())
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "adopted Mon 15 Jun 16:00 UTC" in shown
    assert "2 of 3 active chapters checked in (quorum 2: met)" in shown and "→ adopted" in shown
    await demo.app.notifier.flush()
    assert posted(demo, f"Position {position} adopted") == CHANNELS
    assert await events(demo, "position.adopted") == 1


async def test_the_deadline_is_the_openers_else_the_proposers_else_the_default(
    demo: TestBot,
) -> None:
    asked = await propose(demo, "Asked", extra="--closes 45d")
    await demo.ok(f"/position open {asked}", as_="dan")
    assert (await load(demo, asked)).closes_at == START + timedelta(days=45)

    overridden = await propose(demo, "Overridden", extra="--closes 45d")
    await demo.ok(f"/position open {overridden} --closes 2w", as_="alice")
    assert (await load(demo, overridden)).closes_at == START + timedelta(weeks=2)

    stale = await propose(demo, "Stale", extra="--closes 2d")
    demo.clock.advance(timedelta(days=3))  # the proposer's date has passed by the time it opens
    await demo.ok(f"/position open {stale}", as_="dan")
    assert (await load(demo, stale)).closes_at == demo.clock.now() + timedelta(days=30)
    shown = await demo.ok(f"/position show {asked}", as_="grace")
    assert "Deadline" in shown and "Thu 30 Jul 16:00 UTC" in shown


# Who may check in


async def test_another_chapters_president_is_refused_with_the_role_named(demo: TestBot) -> None:
    position = await opened(demo)
    before = await demo.snapshot()
    for command in (
        f"/position checkin {position} --chapter Boston agree",
        f"/position checkout {position} --chapter Boston",
    ):
        for who in ("carol", "grace", "dan"):
            line = await demo.refused(command, as_=who)
            verb = command.split()[1]
            assert line == f"Only the president of that chapter or HQ may use /position {verb}."
    line = await demo.refused(f"/position open {position}", as_="grace")
    assert line == "Only a moderator or HQ may use /position open."
    assert await demo.snapshot() == before
    # HQ may check in for any chapter, even one without a president.
    await demo.ok(f"/position checkin {position} --chapter Boston abstain", as_="alice")


async def test_a_checkin_without_a_checkout_is_allowed_and_recorded(demo: TestBot) -> None:
    position = await opened(demo)
    reply = await demo.ok(f"/position checkin {position} --chapter Boston disagree", as_="bob")
    assert "Boston checked in on position" in reply and ": disagree." in reply
    assert "Boston had not checked it out; the check-in counts all the same." in reply
    assert await demo.count(PositionCheckout) == 0
    [row] = await history(demo, position)
    assert (row.stance, row.votes_for, row.summary) == ("disagree", None, None)
    [stance] = await stances(demo, position)
    assert (stance.stance, stance.checkin_id) == ("disagree", row.id)
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "Boston: disagree · not checked in yet" not in shown
    assert "Boston: disagree" in shown


async def test_checking_in_again_replaces_the_stance_and_keeps_the_history(
    demo: TestBot,
) -> None:
    position = await opened(demo)
    await demo.ok(f"/position checkout {position} --chapter Boston --meeting 2026-07-01", as_="bob")
    moved = await demo.ok(
        f"/position checkout {position} --chapter Boston --meeting 2026-07-08", as_="bob"
    )
    assert (
        f"Boston moved position {position} to its meeting on 2026-07-08 (was 2026-07-01)" in moved
    )
    assert await demo.count(PositionCheckout) == 1
    await demo.ok(f"/position checkin {position} --chapter Boston agree --for 5", as_="bob")
    again = await demo.ok(
        f"/position checkin {position} --chapter Boston disagree --for 2 --against 7 "
        '--summary "On reflection, no"',
        as_="bob",
    )
    assert "now disagree (2 for, 7 against) (was agree)" in again
    rows = await history(demo, position)
    assert [(r.stance, r.votes_for, r.votes_against) for r in rows] == [
        ("agree", 5, None),
        ("disagree", 2, 7),
    ]
    [stance] = await stances(demo, position)
    assert (stance.stance, stance.checkin_id) == ("disagree", rows[-1].id)
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "Boston: disagree (2 for, 7 against) · “On reflection, no”" in shown
    assert "checked out for its meeting on 2026-07-08" in shown
    assert "agree (5 for)" not in shown
    assert "1 of 3 active chapters checked in" in shown


async def test_a_checkin_after_the_position_closed_gets_one_line(demo: TestBot) -> None:
    position = await opened(demo)
    await demo.ok(f"/position checkin {position} --chapter Boston agree", as_="bob")
    await demo.ok(f'/position checkin {position} --chapter "Washington DC" agree', as_="carol")
    before = await demo.snapshot()
    line = await demo.refused(f"/position checkin {position} --chapter Boston disagree", as_="bob")
    assert line == (
        f"Position {position} was adopted Mon 15 Jun 16:00 UTC; it can no longer be checked in. "
        f"See /position show {position}."
    )
    line = await demo.refused(
        f'/position checkout {position} --chapter "San Francisco"', as_="erin"
    )
    assert "it can no longer be checked out" in line
    assert await demo.snapshot() == before


async def test_a_checkin_after_an_unticked_deadline_closes_it_and_is_refused(
    demo: TestBot,
) -> None:
    position = await opened(demo, extra="--closes 2d")
    await demo.ok(f"/position checkin {position} --chapter Boston agree", as_="bob")
    demo.clock.advance(timedelta(days=3))
    demo.posts.clear()
    line = await demo.refused(
        f'/position checkin {position} --chapter "Washington DC" agree', as_="carol"
    )
    assert line.startswith(f"Position {position} was expired Wed 17 Jun 16:00 UTC;")
    stored = await load(demo, position)
    assert stored.status is PositionStatus.EXPIRED
    assert stored.decided_at == START + timedelta(days=2)  # decided as of its deadline
    assert len(await stances(demo, position)) == 1  # carol's late stance was not taken
    assert posted(demo, f"Position {position} expired") == CHANNELS
    assert await decide_due(demo.app.sessions, demo.clock.now()) == []


# Outcomes at the deadline


async def test_all_chapters_abstaining_is_rejected_at_the_deadline_not_adopted(
    demo: TestBot,
) -> None:
    position = await opened(demo, extra="--closes 10d")
    for chapter, who in (("Boston", "bob"), ("Washington DC", "carol"), ("San Francisco", "erin")):
        reply = await demo.ok(
            f'/position checkin {position} --chapter "{chapter}" abstain', as_=who
        )
        assert "is adopted" not in reply
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "3 of 3 active chapters checked in (quorum 2: met)" in shown
    assert "needs 1 more agreeing chapter" in shown and "would be rejected" in shown
    demo.clock.advance(timedelta(days=10))
    demo.posts.clear()
    assert await decide_due(demo.app.sessions, demo.clock.now()) == [position]
    stored = await load(demo, position)
    assert stored.status is PositionStatus.REJECTED and stored.decided_at == stored.closes_at
    await demo.app.notifier.flush()
    assert posted(demo, f"Position {position} rejected: Publish budgets") == CHANNELS
    text = post_of(demo, f"Position {position} rejected")
    assert "Rejected at its deadline: the quorum was met, but fewer than ⅔" in text
    assert "Boston: abstain" in text and "San Francisco: abstain" in text
    assert await events(demo, "position.adopted") == 0


async def test_without_quorum_a_position_expires_at_the_deadline(demo: TestBot) -> None:
    position = await opened(demo, extra="--closes 10d")
    await demo.ok(f"/position checkin {position} --chapter Boston agree --for 10", as_="bob")
    demo.clock.advance(timedelta(days=10, minutes=1))
    demo.posts.clear()
    assert await decide_due(demo.app.sessions, demo.clock.now()) == [position]
    assert (await load(demo, position)).status is PositionStatus.EXPIRED
    await demo.app.notifier.flush()
    assert posted(demo, f"Position {position} expired") == CHANNELS
    text = post_of(demo, f"Position {position} expired")
    assert "Expired at its deadline for want of quorum (needs 1 more chapter" in text
    assert "Boston: agree (10 for)" in text and "proposed again" in text
    listed = await demo.ok("/position list --status expired", as_="grace")
    assert f"{position} Publish budgets — expired Thu 25 Jun 16:00 UTC" in listed


async def test_decide_due_run_twice_at_once_decides_each_position_once(demo: TestBot) -> None:
    early = await opened(demo, "Early", extra="--closes 1d")
    late = await opened(demo, "Late", extra="--closes 5d")
    demo.clock.advance(timedelta(days=2))
    demo.posts.clear()
    runs = await asyncio.gather(
        decide_due(demo.app.sessions, demo.clock.now()),
        decide_due(demo.app.sessions, demo.clock.now()),
    )
    assert sorted(runs[0] + runs[1]) == [early]
    assert await decide_due(demo.app.sessions, demo.clock.now()) == []
    assert await events(demo, "position.expired") == 1
    await demo.app.notifier.flush()
    await demo.app.notifier.flush()
    assert posted(demo, f"Position {early} expired") == CHANNELS
    assert len(demo.posts) == 3
    assert (await load(demo, late)).status is PositionStatus.OPEN


async def test_a_retired_chapter_drops_out_and_the_quorum_is_recomputed(demo: TestBot) -> None:
    await demo.ok("/chapter activate London", as_="alice")
    await demo.ok("/chapter activate Chicago", as_="alice")
    position = await opened(demo)
    other = await opened(demo, "Other")
    # Five active chapters: quorum 3. Two disagree, two agree: 2 of 4 is short of ⅔.
    for chapter in ("London", "Chicago"):
        await demo.ok(f"/position checkin {position} --chapter {chapter} disagree", as_="alice")
    await demo.ok(f"/position checkin {position} --chapter Boston agree", as_="bob")
    reply = await demo.ok(
        f'/position checkin {position} --chapter "Washington DC" agree', as_="carol"
    )
    assert "4 of 5 active chapters checked in (quorum 3: met)" in reply
    assert "is adopted" not in reply

    await demo.ok("/chapter retire London", as_="alice")
    await demo.ok("/chapter retire Chicago", as_="alice")
    refused = await demo.refused(f"/position checkin {other} --chapter London agree", as_="alice")
    assert refused == "London is dormant; only active chapters check in positions."
    demo.posts.clear()
    # Three active chapters now: the two agreeing ones are a quorum, and all who took a
    # side. The first look at the position finds it adopted.
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "adopted Mon 15 Jun 16:00 UTC" in shown
    assert "2 of 3 active chapters checked in (quorum 2: met)" in shown
    assert "London: disagree (dormant: not counted)" in shown
    assert (await load(demo, position)).status is PositionStatus.ADOPTED
    assert posted(demo, f"Position {position} adopted") == CHANNELS
    assert "Chicago: disagree (dormant: not counted)" in post_of(demo, f"Position {position}")
    assert await events(demo, "position.adopted") == 1


async def test_a_retired_chapter_no_longer_holds_up_the_quorum(demo: TestBot) -> None:
    await demo.ok("/chapter activate London", as_="alice")
    await demo.ok("/chapter activate Chicago", as_="alice")
    position = await opened(demo)
    reply = await demo.ok(f"/position checkin {position} --chapter Boston agree", as_="bob")
    assert "1 of 5 active chapters checked in (quorum 3: not met)" in reply
    await demo.ok("/chapter retire Chicago", as_="alice")
    await demo.ok("/chapter retire London", as_="alice")
    shown = await demo.ok(f"/position show {position}", as_="grace")
    assert "1 of 3 active chapters checked in (quorum 2: not met)" in shown
    reply = await demo.ok(
        f'/position checkin {position} --chapter "San Francisco" abstain', as_="erin"
    )
    assert f"Position {position} is adopted" in reply  # 2 of 3, where 2 of 5 was not enough


# Races


async def test_two_checkins_racing_for_one_chapter_leave_one_stance_and_two_records(
    demo: TestBot,
) -> None:
    position = await opened(demo)
    replies = await asyncio.gather(
        demo.send(f"/position checkin {position} --chapter Boston agree --for 4", as_="bob"),
        demo.send(f"/position checkin {position} --chapter Boston disagree", as_="alice"),
    )
    assert all(r.ok for r in replies), [r.text for r in replies]
    rows = await history(demo, position)
    assert sorted(r.stance for r in rows) == ["agree", "disagree"]
    [stance] = await stances(demo, position)
    latest = rows[-1]
    assert (stance.checkin_id, stance.stance) == (latest.id, latest.stance)
    assert "1 of 3 active chapters checked in" in await demo.ok(
        f"/position show {position}", as_="grace"
    )


async def test_two_chapters_checking_in_at_once_both_count(demo: TestBot) -> None:
    position = await opened(demo)
    replies = await asyncio.gather(
        demo.send(f"/position checkin {position} --chapter Boston agree", as_="bob"),
        demo.send(f'/position checkin {position} --chapter "Washington DC" agree', as_="carol"),
    )
    assert all(r.ok for r in replies), [r.text for r in replies]
    assert sum("is adopted" in r.text for r in replies) == 1
    assert (await load(demo, position)).status is PositionStatus.ADOPTED
    assert await events(demo, "position.adopted") == 1


# Mistakes


async def test_unknown_ids_and_chapters_suggest_what_is_right(demo: TestBot) -> None:
    position = await opened(demo)
    draft = await propose(demo, "Another")
    line = await demo.refused("/position show 99", as_="grace")
    assert line.startswith("No position 99. Open and draft positions: ")
    assert f"{position}, {draft}." in line and line.endswith("/position list shows them.")
    for who in ("bob", "alice"):
        line = await demo.refused(f"/position checkin {position} --chapter Bostn agree", as_=who)
        assert line == "No chapter named 'Bostn'. Did you mean Boston?"
    line = await demo.refused(f"/position checkin {position} --chapter Boston agre", as_="bob")
    assert "must be agree or disagree or abstain, got 'agre'. Did you mean agree?" in line
    line = await demo.refused("/position withdraw 99", as_="grace")
    assert line.startswith("No position 99.")
    line = await demo.refused(f"/position checkin {position} agree", as_="bob")
    assert line.startswith("Missing --chapter CHAPTER.")


async def test_refused_commands_write_nothing(demo: TestBot) -> None:
    position = await opened(demo)
    draft = await propose(demo, "A draft")
    before = await demo.snapshot()
    cases = [
        ('/position propose "" --statement "x"', "grace", "TITLE is empty"),
        (f'/position propose "{"t" * 201}" --statement "x"', "grace", "keep it to 200"),
        ('/position propose "No statement"', "grace", "Missing --statement TEXT"),
        ('/position propose "Blank" --statement " "', "grace", "--statement is empty"),
        (
            '/position propose "Late" --statement "x" --closes 2026-06-01',
            "grace",
            "--closes is in the past",
        ),
        ('/position propose "Far" --statement "x" --closes 400d', "grace", "more than a year"),
        (
            '/position propose "publish  BUDGETS" --statement "x"',
            "bob",
            f"Position {position} already has that title",
        ),
        (f"/position open {position}", "dan", "is already open, until Wed 15 Jul 16:00 UTC"),
        (f"/position open {draft} --closes 2026-06-01", "dan", "--closes is in the past"),
        (
            f"/position checkin {position} --chapter Boston agree --for -1",
            "bob",
            "--for must be a count from 0 to 100000; got -1.",
        ),
        (
            f"/position checkin {position} --chapter Boston agree --against 100001",
            "bob",
            "--against must be a count from 0 to 100000",
        ),
        (
            f"/position checkin {position} --chapter London agree",
            "alice",
            "London is incubating; only active chapters check in positions.",
        ),
        (
            f"/position checkout {position} --chapter London",
            "alice",
            "London is incubating; only active chapters check out positions.",
        ),
        (
            f"/position checkin {draft} --chapter Boston agree",
            "bob",
            f"Position {draft} is still a draft; it can be checked in once a moderator",
        ),
        (
            f"/position checkout {draft} --chapter Boston",
            "bob",
            f"Position {draft} is still a draft",
        ),
        (f"/position withdraw {draft}", "bob", "Only the proposer of that position or HQ"),
        (f"/position open {draft}", "grace", "Only a moderator or HQ may use /position open."),
    ]
    for command, who, expected in cases:
        line = await demo.refused(command, as_=who)
        assert expected in line, (command, line)
    assert await demo.snapshot() == before


# Withdrawing


async def test_withdraw_before_a_decision_and_not_after(demo: TestBot) -> None:
    draft = await propose(demo, "Quiet draft")
    demo.posts.clear()
    line = await demo.ok(f"/position withdraw {draft}", as_="grace")  # its proposer
    assert line == f"Withdrew position {draft}: Quiet draft."
    assert (await load(demo, draft)).status is PositionStatus.WITHDRAWN
    assert demo.posts == []  # nobody had been told of a draft

    position = await opened(demo)
    await demo.ok(f"/position checkin {position} --chapter Boston agree", as_="bob")
    demo.posts.clear()
    line = await demo.ok(f"/position withdraw {position}", as_="alice")  # HQ
    assert "Every chapter channel hears of it." in line
    assert posted(demo, f"Position {position} (Publish budgets) was withdrawn") == CHANNELS
    line = await demo.refused(f"/position checkin {position} --chapter Boston agree", as_="bob")
    assert line.startswith(f"Position {position} was withdrawn Mon 15 Jun 16:00 UTC;")
    assert await events(demo, "position.adopted") == 0

    adopted = await opened(demo, "Adopted one")
    await demo.ok(f"/position checkin {adopted} --chapter Boston agree", as_="bob")
    await demo.ok(f'/position checkin {adopted} --chapter "Washington DC" agree', as_="carol")
    before = await demo.snapshot()
    for who in ("grace", "alice"):
        line = await demo.refused(f"/position withdraw {adopted}", as_=who)
        assert line == (
            f"Position {adopted} was adopted Mon 15 Jun 16:00 UTC; it can no longer be "
            f"withdrawn. See /position show {adopted}."
        )
    assert await demo.snapshot() == before
    async with demo.uow() as uow:
        audited = list(await uow.session.scalars(select(AuditEvent.summary)))
    assert f"/position withdraw {position}" in audited


# Seeing positions


async def test_list_home_and_completion_show_what_awaits_each_chapter(demo: TestBot) -> None:
    first = await opened(demo, "First")
    second = await opened(demo, "Second", extra="--closes 10d")
    draft = await propose(demo, "Third")
    await demo.ok(f"/position checkout {first} --chapter Boston --meeting 2026-07-01", as_="bob")
    await demo.ok(f"/position checkin {second} --chapter Boston agree", as_="bob")

    listed = await demo.ok("/position list", as_="grace")
    assert (
        f"{first} First — open until Wed 15 Jul 16:00 UTC · checked out by Boston (2026-07-01)"
        in (listed)
    )
    assert f"{second} Second — open until Thu 25 Jun 16:00 UTC · checked out by no chapter yet" in (
        listed
    )
    assert "checked in: Boston (agree)" in listed
    assert f"{draft} Third — draft" in listed
    assert "No adopted positions." in await demo.ok("/position list --status adopted")

    home = await dashboard_of(demo, "grace")
    assert "Positions awaiting Boston" in home
    assert f"{first} First — closes Wed 15 Jul 16:00 UTC · checked out for 2026-07-01" in home
    assert f"{second} Second" not in home  # Boston has checked it in
    assert "Your chapter's president checks in with /position checkin ID --chapter Boston" in home
    assert "You check in with" in await dashboard_of(demo, "bob")
    assert f"{second} Second — closes" in await dashboard_of(demo, "carol")

    complete = demo.app.registry.completers["positions"]
    async with demo.uow() as uow:
        offered = await complete(uow.session, "")
        assert {str(first), str(second), str(draft)} <= set(offered)
        assert offered.index(str(draft)) < offered.index(str(first))  # newest first
        assert await complete(uow.session, "9") == []
