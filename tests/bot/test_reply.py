"""Replies survive the delivery ledger (JSON) intact, and the console renders every block."""

from __future__ import annotations

import json
from dataclasses import asdict

from adapters.console.render import progress_bar, render
from bot.mentions import Person, mention
from bot.reply import (
    Actions,
    Ask,
    Button,
    Fields,
    File,
    Form,
    FormField,
    Header,
    Image,
    Note,
    Progress,
    Reply,
    Section,
    Visibility,
)

EVERY_BLOCK = Reply(
    text=f"fallback for {mention(7)}",
    blocks=(
        Header("Goals"),
        Section(f"*Members* led by {mention(7)}"),
        Fields((("Chapter", "Boston"), ("Status", "active"))),
        Progress("Active chapters", 6, 20, "behind: needs 3 a week"),
        Actions((Button("Yes", "/poll vote 1 1", "primary"), Button("No", "/poll vote 1 2"))),
        Image("https://example.org/chart.png", "progress chart"),
        Note("As of today"),
    ),
    visibility=Visibility.PUBLIC,
    people={7: Person("Grace Member", {"console": "grace", "slack": "U07"})},
)


def test_json_round_trip_keeps_every_block_and_person() -> None:
    assert Reply.from_json(EVERY_BLOCK.to_json()) == EVERY_BLOCK


def test_the_ledger_json_is_what_asdict_writes() -> None:
    """Replies stored before serialising had its own fast path read back the same way:
    the JSON is byte for byte what `dataclasses.asdict` made of them."""
    reply = Reply(
        text="every kind",
        blocks=(
            *EVERY_BLOCK.blocks,
            Actions((Button("Rank", "/poll vote 2", ask=Ask((("A", "1"), ("B", "2")), 2, True)),)),
            File.binary("chart.png", b"\x89PNG", "image/png"),
            Form("Update", ("update", "post"), (("group", "Boston"),), (FormField("got", "Got"),)),
        ),
        people=EVERY_BLOCK.people,
        reader_tz="America/New_York",
    )
    before = asdict(reply)
    before["people"] = {
        "7": {"name": "Grace Member", "handles": {"console": "grace", "slack": "U07"}}
    }
    assert json.dumps(reply.to_json()) == json.dumps(before)
    assert Reply.from_json(json.loads(json.dumps(reply.to_json()))) == reply


def test_console_renders_every_block_with_mentions_as_handles() -> None:
    text = render(EVERY_BLOCK)
    assert text.splitlines()[0] == "Goals"
    assert "Members led by @grace" in text  # markdown stars dropped, mention written
    assert "Chapter  Boston" in text
    assert f"Active chapters: {progress_bar(0.3)} 6/20 (30%) behind: needs 3 a week" in text
    assert "[Yes: /poll vote 1 1]" in text
    assert "[image: progress chart]" in text and text.endswith("As of today")
    assert "\ue000" not in text and "\ue001" not in text


def test_member_without_console_account_is_shown_by_name() -> None:
    reply = Reply(text=f"hello {mention(9)}", people={9: Person("Sam Slack", {"slack": "U9"})})
    assert render(reply) == "hello Sam Slack"


def test_forgotten_member_is_shown_anonymously() -> None:
    assert render(Reply(text=f"logged by {mention(404)}")) == "logged by a former member"


def test_progress_bar_is_clamped() -> None:
    assert progress_bar(1.7, width=10) == "█" * 10
    assert progress_bar(0.0, width=4) == "░" * 4


def test_one_formatting_for_counts_percents_and_units() -> None:
    from bot.formatting import of_target, percent, plural, quantity

    assert plural(1, "chapter") == "1 chapter" and plural(1400, "member") == "1,400 members"
    assert quantity(1, "chapters") == "1 chapter" and quantity(2.5, "km") == "2.5 km"
    assert of_target(7, 5000, "members") == "7/5,000 members"
    assert percent(0, 12) == "0%" and percent(1, 3) == "33%" and percent(3, 0) == "0%"
