"""Polls as moderators and members use them, on the demo society's console channels.

The demo has Boston (bob president, grace member), Washington DC (carol), San
Francisco (erin; dan the moderator), London (frank, no channel), alice HQ, and
an open society poll (poll 1) by dan. New polls here start at 2.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
from datetime import timedelta

from sqlalchemy import select

from bot.context import Place, Request
from bot.reply import Actions, File, Progress, Reply
from commands.polls.closing import close_due
from storage.models import AuditEvent, Ballot, Delivery, Member, OutboxEvent, Poll
from tests.support import TestBot

BOSTON_POLL = (
    '/poll create "Where should we meet?" "Library" "Café" "Park" --audience chapter:Boston'
)


async def new_poll(demo: TestBot, command: str = BOSTON_POLL, *, as_: str = "dan") -> int:
    reply = await demo.send(command, as_=as_, channel="boston")
    assert reply.ok, reply.text
    match = re.search(r"Poll (\d+) is open", reply.text)
    assert match, reply.text
    return int(match.group(1))


async def ballots(demo: TestBot, poll_id: int) -> list[Ballot]:
    async with demo.uow() as uow:
        return list(await uow.session.scalars(select(Ballot).where(Ballot.poll_id == poll_id)))


async def member_id(demo: TestBot, name: str) -> int:
    async with demo.uow() as uow:
        found = await uow.session.scalar(
            select(Member.id).where(Member.name.ilike(f"{name} %") | (Member.name == name))
        )
        assert found is not None
        return found


def cast(results: str, label: str) -> int:
    """Votes shown for an option in rendered results: `2. Café: ███ 1/2 (50%)`."""
    match = re.search(rf"\d+\. {re.escape(label)}: \S+ (\d+)/", results)
    assert match, f"{label!r} not in:\n{results}"
    return int(match.group(1))


# Creating and posting


async def test_a_chapter_poll_is_posted_to_the_chapter_channel_with_vote_buttons(
    demo: TestBot,
) -> None:
    reply = await demo.send(BOSTON_POLL, as_="bob", channel="boston")  # Boston's president
    assert reply.ok, reply.text
    actions = [b for b in reply.blocks if isinstance(b, Actions)]
    assert [b.action for b in actions[0].buttons] == [
        "/poll vote 2 1",
        "/poll vote 2 2",
        "/poll vote 2 3",
    ]
    assert [channel for channel, _ in demo.posts] == ["boston"]
    posted = demo.posts[0][1]
    assert "Poll 2: Where should we meet?" in posted and "0 of 2 eligible voted" in posted
    async with demo.uow() as uow:
        copy = await uow.session.scalar(select(Delivery).where(Delivery.subject == "poll:2"))
    assert copy is not None and copy.message_id, "the copy records where it was posted"


async def test_a_society_poll_goes_to_every_bound_channel_and_counts_once(demo: TestBot) -> None:
    poll = await new_poll(
        demo, '/poll create "Conference city?" "Lisbon" "Osaka" --audience society'
    )
    assert sorted(c for c, _ in demo.posts) == ["boston", "san-francisco", "washington-dc"]
    for who, choice in (("grace", "1"), ("carol", "Osaka"), ("frank", "lis")):
        assert (await demo.send(f"/poll vote {poll} {choice}", as_=who)).ok
    results = await demo.ok(f"/poll results {poll}", as_="erin")
    assert cast(results, "Lisbon") == 2 and cast(results, "Osaka") == 1
    assert "3 of 7 eligible voted" in results
    # Every copy shows the one count.
    edits = demo.poster.edits
    assert len(edits) == 3 and all("3 of 7 eligible voted" in text for text in edits.values())


async def test_a_poll_for_here_stays_in_its_channel(demo: TestBot) -> None:
    poll = await new_poll(demo, '/poll create "Pizza?" "Yes" "No"')
    assert [c for c, _ in demo.posts] == ["boston"]
    refused = await demo.refused(f"/poll vote {poll} 1", as_="carol")
    assert refused.startswith("Only members of Boston may vote in poll")


async def test_who_may_create_which_poll(demo: TestBot) -> None:
    chapter_poll = '/poll create "Q?" "A" "B" --audience chapter:Boston'
    assert (await demo.send(chapter_poll, as_="bob")).ok
    assert (await demo.send(chapter_poll, as_="dan")).ok  # moderator
    refused = await demo.refused(chapter_poll, as_="carol")  # another chapter's president
    assert refused == (
        "Only the president of the chapter (or lead of the workgroup) polled, "
        "a moderator or HQ may use /poll create."
    )
    assert (await demo.send('/poll create "Q?" "A" "B"', as_="bob", channel="boston")).ok
    await demo.refused('/poll create "Q?" "A" "B" --audience society', as_="bob")
    await demo.refused('/poll create "Q?" "A" "B"', as_="grace", channel="boston")


async def test_bad_polls_are_refused_with_one_line_and_write_nothing(demo: TestBot) -> None:
    before = await demo.snapshot()
    cases = {
        '/poll create "Q?" "Only one"': "at least 2 options",
        "/poll create Q? " + " ".join(f"o{i}" for i in range(11)): "at most 10 options",
        '/poll create "Q?" "Tea" "tea"': "'tea' is given twice",
        f'/poll create "{"x" * 301}" "A" "B"': "keep it to 300",
        f'/poll create "Q?" "{"y" * 76}" "B"': "keep each option to 75",
        '/poll create "Q?" "A" "B" --multi 0': "--multi must be between 1 and 2",
        '/poll create "Q?" "A" "B" --multi 3': "--multi must be between 1 and 2",
        '/poll create "Q?" "A" "B" --closes 2026-06-01': "--closes is in the past",
        '/poll create "Q?" "A" "B" --ranked --multi 2': "--ranked and --multi do not mix",
        '/poll create "Q?" "A" "B" --audience chapter:Atlantis': "No chapter named 'Atlantis'",
        '/poll create "Q?" "A" "B" --audience everyone': "is not an audience; use here",
        "/poll create Where shall we go? Tea Coffee": "Put the question in quotes",
    }
    for command, expected in cases.items():
        line = await demo.refused(command, as_="alice", channel="boston")
        assert expected in line, (command, line)
    assert await demo.snapshot() == before


# Voting


async def test_members_change_their_vote_and_the_last_one_counts(demo: TestBot) -> None:
    poll = await new_poll(demo)
    assert "Your vote in poll 2: Café." in await demo.ok(f"/poll vote {poll} 2", as_="grace")
    changed = await demo.ok(f"/poll vote {poll} park", as_="grace")
    assert "Changed your vote in poll 2 from Café to Park." in changed
    again = await demo.ok(f"/poll vote {poll} 3", as_="grace")  # a double click
    assert "already Park; nothing changed" in again
    assert [b.choices for b in await ballots(demo, poll)] == [[3]]
    assert "Your vote in poll 2: Park." in await demo.ok(f"/poll vote {poll}", as_="grace")


async def test_the_same_member_voting_fifty_times_at_once_counts_once(demo: TestBot) -> None:
    poll = await new_poll(demo)
    choices = [str(1 + i % 3) for i in range(50)]
    replies = await asyncio.gather(
        *(demo.send(f"/poll vote {poll} {c}", as_="grace") for c in choices)
    )
    assert all(r.ok for r in replies), [r.text for r in replies if not r.ok]
    rows = await ballots(demo, poll)
    assert [b.choices for b in rows] == [[int(choices[-1])]]  # the last one sent wins
    results = await demo.ok(f"/poll results {poll}", as_="dan")
    assert "1 of 2 eligible voted" in results
    assert sum(cast(results, label) for label in ("Library", "Café", "Park")) == 1


async def test_bad_votes_are_refused_and_change_nothing(demo: TestBot) -> None:
    poll = await new_poll(demo)
    multi = await new_poll(
        demo, '/poll create "Talks?" "AI" "Ethics" "Careers" --multi 2 --audience society'
    )
    await demo.ok(f"/poll vote {poll} 1", as_="grace")
    before = await demo.snapshot()
    cases = [
        (f"/poll vote {poll} 4", "grace", "has no option '4'"),
        (f"/poll vote {poll} Beach", "grace", "has no option 'Beach'; choose a number or a label"),
        (f"/poll vote {poll} 1 2", "grace", "takes one choice; you gave 2"),
        (f"/poll vote {poll} 1 1", "grace", "You chose 'Library' twice"),
        (f"/poll vote {multi} 1 2 3", "grace", "takes up to 2 choices; you gave 3"),
        ("/poll vote 99 1", "grace", "No poll 99."),
        (f"/poll vote {poll} 1", "carol", "Only members of Boston may vote in poll 2"),
        (f"/poll vote {poll} 1", "frank", "/member join Boston if you belong there"),
    ]
    for command, who, expected in cases:
        line = await demo.refused(command, as_=who)
        assert expected in line, (command, line)
    assert await demo.snapshot() == before


async def test_toggling_choices_in_a_multi_choice_poll(demo: TestBot) -> None:
    poll = await new_poll(
        demo, '/poll create "Talks?" "AI" "Ethics" "Careers" --multi 2 --audience society'
    )
    await demo.ok(f"/poll vote {poll} 1 --toggle", as_="grace")
    await demo.ok(f"/poll vote {poll} 3 --toggle", as_="grace")
    line = await demo.refused(f"/poll vote {poll} 2 --toggle", as_="grace")
    assert "takes up to 2 choices and you have AI, Careers; remove one first" in line
    await demo.ok(f"/poll vote {poll} 1 --toggle", as_="grace")
    assert [b.choices for b in await ballots(demo, poll)] == [[3]]
    assert "withdrawn" in await demo.ok(f"/poll vote {poll} 3 --toggle", as_="grace")
    assert await ballots(demo, poll) == []


async def test_a_vote_after_the_deadline_is_refused_and_the_poll_closes(demo: TestBot) -> None:
    poll = await new_poll(demo, BOSTON_POLL + " --closes 2h")
    await demo.ok(f"/poll vote {poll} 1", as_="grace")
    demo.clock.advance(timedelta(hours=3))
    line = await demo.refused(f"/poll vote {poll} 2", as_="bob")
    assert line.startswith(f"Poll {poll} closed ") and f"/poll results {poll}" in line
    assert [b.choices for b in await ballots(demo, poll)] == [[1]]
    # Nothing ticked the deadline, but the first touch closed it and posted the results once.
    assert await demo.count(OutboxEvent, OutboxEvent.kind == "poll.closed") == 1
    assert "Results of poll 2" in demo.posts[-1][1] and "Winner: Library" in demo.posts[-1][1]


# Ranked


async def test_ranked_polls_count_by_instant_runoff_round_by_round(demo: TestBot) -> None:
    poll = await new_poll(
        demo, '/poll create "City?" "Lisbon" "Osaka" "Denver" --ranked --audience society'
    )
    ballots_cast = {
        "alice": "1 2 3",
        "bob": "1 3",
        "carol": "2 1",
        "dan": "2 3",
        "erin": "3 2",
        "frank": "Denver Osaka",
    }
    for who, ranking in ballots_cast.items():
        assert (await demo.send(f"/poll vote {poll} {ranking}", as_=who)).ok
    await demo.ok(f"/poll close {poll}", as_="dan")
    results = await demo.ok(f"/poll results {poll}", as_="grace")
    # Round 1 is a three-way tie at 2; Denver is listed last, so it goes; its
    # ballots move to Osaka, which then has 4 of 6.
    assert "Round 1: Lisbon 2 · Osaka 2 · Denver 2 → Denver eliminated" in results
    assert "Tied for fewest votes: Lisbon, Osaka, Denver (2 each)" in results
    assert "Round 2: Lisbon 2 · Osaka 4 → Osaka wins" in results
    assert "Winner: Osaka, after 2 rounds." in results


# Anonymous and hidden


async def test_anonymous_ballots_cannot_be_traced_to_voters(demo: TestBot) -> None:
    poll = await new_poll(demo, BOSTON_POLL + " --anonymous")
    await demo.ok(f"/poll vote {poll} 2", as_="grace")
    await demo.ok(f"/poll vote {poll} 2", as_="bob")
    await demo.ok(f"/poll vote {poll} 1", as_="bob")  # changing still works
    grace = await member_id(demo, "Grace")
    rows = await ballots(demo, poll)
    assert sorted(b.choices for b in rows) == [[1], [2]]
    for row in rows:
        assert row.voter_id is None and row.cast_at is None
        unkeyed = hashlib.sha256(f"poll:{poll}:member:{grace}".encode()).hexdigest()
        assert row.voter_key != unkeyed
    async with demo.uow() as uow:
        audit = list(await uow.session.scalars(select(AuditEvent.summary)))
    assert not any("vote" in line for line in audit)
    export = await demo.send(f"/poll export {poll}", as_="alice")
    csv_file = next(b for b in export.blocks if isinstance(b, File))
    table = list(csv.reader(io.StringIO(csv_file.content)))
    assert table[0] == ["choices"] and sorted(table[1:]) == [["Café"], ["Library"]]
    assert "2 of 2 eligible voted" in await demo.ok(f"/poll results {poll}", as_="dan")


async def test_hidden_results_are_hidden_from_everyone_until_close(demo: TestBot) -> None:
    poll = await new_poll(demo, BOSTON_POLL + " --hidden")
    await demo.ok(f"/poll vote {poll} 3", as_="grace")
    for who in ("dan", "alice", "grace"):  # the creator, HQ, a voter
        shown = await demo.ok(f"/poll results {poll}", as_=who)
        assert "hidden until it closes" in shown and "1 of 2 eligible voted so far" in shown
        assert not re.search(r"\d+/\d+ \(", shown), shown
    line = await demo.refused(f"/poll export {poll}", as_="alice")
    assert "hidden until it closes" in line
    copy = next(iter(demo.poster.edits.values()))
    assert "3. Park" in copy and "█" not in copy and "1 of 2 eligible voted" in copy
    await demo.ok(f"/poll close {poll}", as_="dan")
    assert cast(await demo.ok(f"/poll results {poll}", as_="grace"), "Park") == 1


# Closing, reminders, export


async def test_closing_posts_results_where_the_poll_was_and_closes_the_copies(
    demo: TestBot,
) -> None:
    poll = await new_poll(
        demo, '/poll create "Conference city?" "Lisbon" "Osaka" --audience society'
    )
    await demo.ok(f"/poll vote {poll} 2", as_="grace")
    demo.posts.clear()
    closed = await demo.ok(f"/poll close {poll}", as_="dan")
    assert "Closed poll 2" in closed and "Winner: Osaka with 1 vote (100%)" in closed
    assert sorted(c for c, _ in demo.posts) == ["boston", "san-francisco", "washington-dc"]
    assert all("Results of poll 2" in text for _, text in demo.posts)
    assert all("Closed. See /poll results 2." in t for t in demo.poster.edits.values())
    assert "/poll vote" not in "".join(demo.poster.edits.values())
    line = await demo.refused(f"/poll close {poll}", as_="alice")
    assert line.startswith("Poll 2 is already closed")
    assert (await demo.refused(f"/poll close {poll}", as_="grace")).startswith(
        "Only the creator of that poll, a moderator or HQ"
    )


async def test_close_due_closes_each_poll_once_even_run_twice_at_once(demo: TestBot) -> None:
    first = await new_poll(demo, BOSTON_POLL + " --closes 1h")
    second = await new_poll(demo, BOSTON_POLL + " --closes 2h")
    later = await new_poll(demo, BOSTON_POLL + " --closes 5h")
    demo.clock.advance(timedelta(hours=3))
    runs = await asyncio.gather(
        close_due(demo.app.sessions, demo.clock.now()),
        close_due(demo.app.sessions, demo.clock.now()),
    )
    assert sorted(runs[0] + runs[1]) == [first, second]
    assert await close_due(demo.app.sessions, demo.clock.now()) == []
    assert await demo.count(OutboxEvent, OutboxEvent.kind == "poll.closed") == 2
    async with demo.uow() as uow:
        open_ = await uow.session.get(Poll, later)
        done = await uow.session.get(Poll, first)
    assert open_ is not None and open_.closed_at is None
    assert done is not None and done.closed_at == done.closes_at  # closed at its deadline


async def test_remind_messages_non_voters_once_a_day_honouring_nudges_off(
    demo: TestBot,
) -> None:
    poll = await new_poll(demo, '/poll create "City?" "Lisbon" "Osaka" --audience society')
    await demo.ok(f"/poll vote {poll} 1", as_="grace")
    await demo.ok("/member nudges off", as_="frank")
    demo.posts.clear()
    line = await demo.ok(f"/poll remind {poll}", as_="dan")
    # Dan created it and Alice is HQ: they run the poll and are not reminded of it.
    assert line == "Reminding 3 members who have not voted; 1 turned nudges off."
    told = sorted(c for c, _ in demo.posts)
    assert told == ["@bob", "@carol", "@erin"]
    assert all("you have not voted" in text for _, text in demo.posts)
    again = await demo.refused(f"/poll remind {poll}", as_="dan")
    assert "already reminded today" in again
    demo.clock.advance(timedelta(days=1))
    await demo.ok(f"/poll vote {poll} 2", as_="bob")
    assert "Reminding 2 members" in await demo.ok(f"/poll remind {poll}", as_="alice")


async def test_export_lists_voters_of_a_named_poll(demo: TestBot) -> None:
    poll = await new_poll(
        demo, '/poll create "City?" "=Lisbon" "Osaka" "Denver" --ranked --audience society'
    )
    await demo.ok(f"/poll vote {poll} 2 1", as_="grace")
    await demo.ok(f"/poll vote {poll} 1", as_="bob")
    reply = await demo.send(f"/poll export {poll}", as_="dan")
    csv_file = next(b for b in reply.blocks if isinstance(b, File))
    assert csv_file.name == f"poll-{poll}.csv"
    table = list(csv.reader(io.StringIO(csv_file.content)))
    assert table[0] == ["voter", "cast at", "rank 1", "rank 2", "rank 3"]
    assert sorted(row[0] for row in table[1:]) == ["Bob Boston", "Grace Member"]
    grace = next(row for row in table[1:] if row[0] == "Grace Member")
    assert grace[2:] == ["Osaka", "'=Lisbon", ""]  # a label never runs as a formula


# One person, one vote, across accounts and after leaving


async def test_linking_two_accounts_that_both_voted_leaves_one_vote(demo: TestBot) -> None:
    poll = await new_poll(demo, '/poll create "City?" "Lisbon" "Osaka" --audience society')
    await demo.ok(f"/poll vote {poll} 1", as_="grace")

    async def on_slack(text: str) -> Reply:
        place = Place("slack", "C0GENERAL", "general")
        return await demo.app.dispatcher.handle(Request("slack", "U0GRACE", "grace", place, text))

    assert (await on_slack(f"/poll vote {poll} 2")).ok  # her Slack account, not yet linked
    code = re.search(r"[A-Z0-9]{4}-?[A-Z0-9]{4}", await demo.ok("/member link", as_="grace"))
    assert code
    assert (await on_slack(f"/member link {code.group(0)}")).ok
    assert "1 of 7 eligible voted" in await demo.ok(f"/poll results {poll}", as_="grace")
    assert "Your vote in poll 2: Lisbon." in await demo.ok(f"/poll vote {poll}", as_="grace")


async def test_forgetting_a_member_keeps_their_vote_counted_but_unlinked(demo: TestBot) -> None:
    poll = await new_poll(demo, '/poll create "City?" "Lisbon" "Osaka" --audience society')
    await demo.ok(f"/poll vote {poll} 2", as_="grace")
    await demo.ok("/member forget --confirm", as_="grace")
    rows = await ballots(demo, poll)
    assert [(b.choices, b.voter_id, b.cast_at) for b in rows] == [([2], None, None)]
    results = await demo.ok(f"/poll results {poll}", as_="dan")
    assert cast(results, "Osaka") == 1
    # A newcomer (who may even get the same row id) has not voted.
    assert "You have not voted" in await demo.ok(f"/poll vote {poll}", as_="newcomer")


async def test_poll_list_shows_what_a_member_can_vote_in(demo: TestBot) -> None:
    mine = await new_poll(demo)
    other = await new_poll(demo, '/poll create "DC?" "A" "B" --audience chapter:Washington DC')
    await demo.ok(f"/poll vote {mine} 1", as_="grace")
    listed = await demo.ok("/poll list --open", as_="grace")
    assert f"{mine} Where should we meet?" in listed and "you voted ✓" in listed
    assert f"{other} DC?" not in listed
    assert "1 Which goal should the society push first" in listed
    assert f"{other} DC?" in await demo.ok("/poll list", as_="dan")


async def test_live_copies_never_show_a_hidden_count_or_a_voter(demo: TestBot) -> None:
    poll = await new_poll(demo, BOSTON_POLL + " --anonymous")
    await demo.ok(f"/poll vote {poll} 1", as_="grace")
    copy = next(iter(demo.poster.edits.values()))
    assert "1 of 2 eligible voted" in copy and "grace" not in copy.lower()
    reply = await demo.send(f"/poll results {poll}", as_="dan")
    assert [b.value for b in reply.blocks if isinstance(b, Progress)] == [1, 0, 0]


async def test_a_burst_of_votes_counts_each_member_once_and_refuses_only_the_bad_ones(
    demo: TestBot,
) -> None:
    poll = await new_poll(demo, '/poll create "City?" "Lisbon" "Osaka" --audience society')
    boston = await new_poll(demo)
    sent = [
        (f"/poll vote {poll} 1", "grace"),
        (f"/poll vote {poll} 2", "bob"),
        (f"/poll vote {poll} 3", "carol"),  # no option 3: refused
        (f"/poll vote {boston} 1", "carol"),  # not in Boston: refused
        (f"/poll vote {boston} 2", "grace"),
        (f"/poll vote {poll} 2", "grace"),  # grace changes her mind within the burst
        ("/poll vote 99 1", "erin"),  # no such poll: refused
        (f"/poll vote {poll} 1", "erin"),
    ]
    replies = await asyncio.gather(*(demo.send(text, as_=who) for text, who in sent))
    assert [r.ok for r in replies] == [True, True, False, False, True, True, False, True]
    assert "has no option '3'" in replies[2].text
    assert replies[3].text.startswith("Only members of Boston may vote in poll 3")
    assert "Changed your vote in poll 2 from Lisbon to Osaka" in replies[5].text
    assert sorted(b.choices for b in await ballots(demo, poll)) == [[1], [2], [2]]
    assert [b.choices for b in await ballots(demo, boston)] == [[2]]
    async with demo.uow() as uow:
        carol = await uow.session.scalar(select(Member).where(Member.name.like("Carol%")))
    assert carol is not None and carol.last_active_at is None  # refused: nothing written


async def test_a_chapter_poll_reminder_names_the_chapter(demo: TestBot) -> None:
    poll = await new_poll(demo)
    demo.posts.clear()
    assert "Reminding 2 members" in await demo.ok(f"/poll remind {poll}", as_="dan")
    reminders = [text for channel, text in demo.posts if channel.startswith("@")]
    assert len(reminders) == 2
    assert all("for members of Boston" in text for text in reminders)
