"""Slack modals built from the real command declarations, and submissions read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest

from adapters.slack.forms import (
    ask_values,
    ask_view,
    confirm_view,
    error_block,
    form_values,
    form_view,
    ordinal,
)
from bot.declarations import Arg, ChannelRef, CommandSpec, Kind, MemberRef
from bot.errors import BadArgument
from bot.parser import ParseEnv, bind_values
from bot.registry import Router
from bot.reply import Ask
from commands import build_registry

NOW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
ENV = ParseEnv("slack", NOW, ZoneInfo("UTC"))
REGISTRY = build_registry()


def spec(group: str, name: str | None) -> CommandSpec:
    found = REGISTRY.get(group, name)
    assert found is not None
    return found


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


# Slack's documented `view.state.values` entries, one helper per element type.
def text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def number(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "number_input", "value": value}}


def checked(*values: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"value": {"type": "checkboxes", "selected_options": options}}


def chosen(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"value": {"type": kind, "selected_option": option}}


def user(user_id: str | None) -> dict[str, Any]:
    return {"value": {"type": "users_select", "selected_user": user_id}}


def conversation(channel_id: str | None) -> dict[str, Any]:
    return {"value": {"type": "conversations_select", "selected_conversation": channel_id}}


def day(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "datepicker", "selected_date": value}}


def test_poll_create_form_has_an_input_per_parameter() -> None:
    create = spec("poll", "create")
    assert create.form
    view = form_view(create, callback_id="form", metadata='{"channel": "C1"}')
    assert view["type"] == "modal"
    assert view["callback_id"] == "form"
    assert view["private_metadata"] == '{"channel": "C1"}'
    assert view["title"]["text"] == "Poll create"
    assert view["submit"]["text"] == "Run"
    assert view["close"]["text"] == "Cancel"
    blocks = inputs(view)
    assert list(blocks) == [p.name for p in create.params]
    types = {name: b["element"]["type"] for name, b in blocks.items()}
    assert types == {
        "question": "plain_text_input",
        "options": "plain_text_input",
        "multi": "number_input",
        "anonymous": "checkboxes",
        "hidden": "checkboxes",
        "ranked": "checkboxes",
        "closes": "plain_text_input",
        "audience": "plain_text_input",
    }
    assert all(b["element"]["action_id"] == "value" for b in blocks.values())
    optional = {name for name, b in blocks.items() if b["optional"]}
    assert optional == {"multi", "anonymous", "hidden", "ranked", "closes", "audience"}
    assert blocks["options"]["element"]["multiline"] is True
    assert "one per line" in blocks["options"]["hint"]["text"]
    assert "quotes" not in blocks["question"]["hint"]["text"]
    assert blocks["multi"]["element"]["is_decimal_allowed"] is False
    assert blocks["anonymous"]["element"]["options"] == [
        {
            "text": {
                "type": "plain_text",
                "text": "nobody can see who voted what, ever",
                "emoji": True,
            },
            "value": "true",
        }
    ]
    assert blocks["closes"]["element"]["placeholder"]["text"] == "48h, 3d or 2026-12-01 18:00"
    assert blocks["question"]["label"]["text"] == "Question"


def test_other_kinds_get_their_slack_elements() -> None:
    meeting = inputs(form_view(spec("chapter", "meeting"), callback_id="f", metadata=""))
    assert meeting["kind"]["element"]["type"] == "static_select"
    assert [o["value"] for o in meeting["kind"]["element"]["options"]] == ["working", "social"]
    assert meeting["day"]["element"]["type"] == "datepicker"
    assert meeting["attendance"]["element"]["type"] == "number_input"
    president = inputs(form_view(spec("chapter", "president"), callback_id="f", metadata=""))
    assert president["member"]["element"]["type"] == "users_select"
    assert president["member"]["optional"] is False
    results = inputs(form_view(spec("poll", "results"), callback_id="f", metadata=""))
    assert results["poll_id"]["label"]["text"] == "Poll ID"


def test_channel_parameters_get_a_conversation_picker() -> None:
    # No command takes a channel today; a declared one must still get a picker.
    router = Router("probe")

    @router.command("probe", "bind")
    async def bind(context: Any, channel: Annotated[ChannelRef, Arg("where")]) -> Any:
        """Probe."""

    probe = router.specs[0]
    block = inputs(form_view(probe, callback_id="f", metadata=""))["channel"]
    assert block["element"]["type"] == "conversations_select"
    assert block["element"]["default_to_current_conversation"] is True
    values = form_values(probe, {"channel": conversation("C0123ABC")})
    assert values == {"channel": "<#C0123ABC>"}
    assert bind_values(probe, values, ENV)["channel"] == ChannelRef("slack", "C0123ABC")


def test_a_submitted_poll_binds_to_typed_arguments() -> None:
    create = spec("poll", "create")
    state = {
        "question": text("  Where should we meet?  "),
        "options": text("Library\n\n  Café  \n"),
        "multi": number(None),
        "anonymous": checked("true"),
        "hidden": {"value": {"type": "checkboxes", "selected_options": []}},
        "ranked": checked(),
        "closes": text(None),
        "audience": text("chapter:Boston"),
    }
    values = form_values(create, state)
    assert values == {
        "question": "Where should we meet?",
        "options": ("Library", "Café"),
        "anonymous": "true",
        "audience": "chapter:Boston",
    }
    arguments = bind_values(create, values, ENV)
    assert arguments["question"] == "Where should we meet?"
    assert arguments["options"] == ("Library", "Café")
    assert arguments["anonymous"] is True
    assert arguments["hidden"] is False
    assert arguments["ranked"] is False
    assert arguments["multi"] is None
    assert arguments["closes"] is None
    assert arguments["audience"] == "chapter:Boston"


def test_a_when_field_converts_like_typed_text() -> None:
    create = spec("poll", "create")
    state = {"question": text("Q?"), "options": text("a\nb"), "closes": text("48h")}
    arguments = bind_values(create, form_values(create, state), ENV)
    assert arguments["closes"] == NOW + timedelta(hours=48)


def test_a_blank_required_field_is_reported_missing_by_the_parser() -> None:
    create = spec("poll", "create")
    values = form_values(create, {"question": text("   "), "options": text("a\nb")})
    assert "question" not in values
    with pytest.raises(BadArgument, match="Missing QUESTION"):
        bind_values(create, values, ENV)


def test_pickers_number_and_date_convert() -> None:
    president = spec("chapter", "president")
    values = form_values(president, {"chapter": text("Boston"), "member": user("U0ALICE")})
    assert values == {"chapter": "Boston", "member": "<@U0ALICE>"}
    assert bind_values(president, values, ENV)["member"] == MemberRef("slack", "U0ALICE")

    meeting = spec("chapter", "meeting")
    state = {
        "chapter": text("Boston"),
        "kind": chosen("social"),
        "day": day("2026-06-01"),
        "topic": text("Summer social"),
        "attendance": number("14"),
    }
    values = form_values(meeting, state)
    assert values["day"] == "2026-06-01"
    assert values["attendance"] == "14"
    arguments = bind_values(meeting, values, ENV)
    assert arguments["kind"] == "social"
    assert arguments["day"] == date(2026, 6, 1)
    assert arguments["attendance"] == 14

    audit = spec("audit", None)
    assert bind_values(audit, form_values(audit, {"count": number("5")}), ENV) == {"count": 5}
    assert form_values(audit, {}) == {}
    assert form_values(audit, {"count": number("")}) == {}


def test_unselected_pickers_are_left_out() -> None:
    meeting = spec("chapter", "meeting")
    values = form_values(meeting, {"kind": chosen(None), "day": day(None)})
    assert values == {}
    profile = spec("member", "profile")
    assert form_values(profile, {"member": user(None)}) == {}


def test_every_form_respects_slack_limits() -> None:
    for each in REGISTRY:
        view = form_view(each, callback_id="form", metadata="x" * 3000)
        assert len(view["title"]["text"]) <= 24, each.path
        assert len(view["blocks"]) <= 100
        ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
        assert len(ids) == len(set(ids)) == len(each.params)
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            assert len(block["label"]["text"]) <= 2000
            assert len(block.get("hint", {"text": ""})["text"]) <= 2000
            element = block["element"]
            assert len(element.get("placeholder", {"text": ""})["text"]) <= 150
            for option in element.get("options", []):
                assert len(option["text"]["text"]) <= 75
        assert set(view) >= {"type", "callback_id", "private_metadata", "title", "submit"}


def test_metadata_too_long_for_slack_is_refused() -> None:
    with pytest.raises(ValueError, match="private_metadata"):
        form_view(spec("audit", None), callback_id="form", metadata="x" * 3001)


def test_a_ranked_ask_has_a_select_per_rank() -> None:
    ask = Ask(tuple((f"Option {i}", str(i)) for i in range(1, 11)), most=10, ordered=True)
    view = ask_view(ask, callback_id="ask", metadata="/poll vote 12")
    blocks = view["blocks"]
    assert len(blocks) == 10
    assert [b["block_id"] for b in blocks] == [f"rank_{i}" for i in range(1, 11)]
    assert [b["label"]["text"] for b in blocks[:4]] == [
        "1st choice",
        "2nd choice",
        "3rd choice",
        "4th choice",
    ]
    assert [b["optional"] for b in blocks] == [False] + [True] * 9
    assert all(b["element"]["type"] == "static_select" for b in blocks)
    assert all(len(b["element"]["options"]) == 10 for b in blocks)
    assert view["title"]["text"] == "Choose"


def test_ask_labels_and_titles_are_clipped() -> None:
    long = "A very long option label that goes well past what Slack shows in a menu item"
    ask = Ask(
        ((long, "1"), ("Short", "2")), most=5, ordered=True, title="Rank the conference cities"
    )
    view = ask_view(ask, callback_id="ask", metadata="")
    assert len(view["blocks"]) == 2  # no more ranks than options
    assert len(view["title"]["text"]) <= 24
    option = view["blocks"][0]["element"]["options"][0]
    assert len(option["text"]["text"]) <= 75
    assert option["value"] == "1"


def test_ask_values_keep_rank_order_and_skip_blanks() -> None:
    ask = Ask((("Tea", "1"), ("Coffee", "2"), ("Juice", "3"), ("Water", "4")), most=4, ordered=True)
    state = {
        "rank_1": chosen("3"),
        "rank_2": chosen(None),
        "rank_3": chosen("1"),
        "rank_4": chosen("3"),
    }
    assert ask_values(ask, state) == ["3", "1", "3"]
    assert ask_values(ask, {}) == []


def test_an_unordered_ask_is_one_multi_select() -> None:
    ask = Ask((("Tea", "1"), ("Coffee", "2"), ("Juice", "3")), most=2, title="Pick two")
    view = ask_view(ask, callback_id="ask", metadata="")
    (block,) = view["blocks"]
    assert block["element"]["type"] == "multi_static_select"
    assert block["element"]["max_selected_items"] == 2
    assert view["title"]["text"] == "Pick two"
    state = {
        "choices": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Juice"}, "value": "3"},
                    {"text": {"type": "plain_text", "text": "Tea"}, "value": "1"},
                ],
            }
        }
    }
    assert ask_values(ask, state) == ["1", "3"]


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]


def test_confirm_view() -> None:
    view = confirm_view(
        "Retire *Boston*? Its history is kept.",
        command="/chapter retire Boston",
        callback_id="confirm",
        metadata="m",
    )
    assert view["submit"]["text"] == "Yes, run it"
    assert view["close"]["text"] == "Cancel"
    section, context = view["blocks"]
    assert section["text"] == {"type": "mrkdwn", "text": "Retire *Boston*? Its history is kept."}
    assert "/chapter retire Boston" in context["elements"][0]["text"]
    assert len(view["title"]["text"]) <= 24


@pytest.mark.parametrize(
    ("message", "block"),
    [
        ("A poll needs at least 2 options; you gave 1. Example: ...", "options"),
        ("Option 'Tea' is given twice; give each option once.", "options"),
        ("An option is empty; give each option some text.", "options"),
        ("--closes expects a duration like 48h or 3d, got 'soon'.", "closes"),
        ("--multi expects a whole number, got 'x'.", "multi"),
        ('Put the question in quotes: /poll create "Where?" "Tea" "Coffee"', "question"),
        (
            "Missing QUESTION. Usage: /poll create QUESTION OPTION… [--multi N] [--closes WHEN]",
            "question",
        ),
        (
            "Only the president of the chapter (or lead of the workgroup) polled may do that.",
            "question",
        ),
    ],
)
def test_error_block_finds_the_parameter(message: str, block: str) -> None:
    assert error_block(spec("poll", "create"), message) == block


def test_error_block_falls_back_to_the_first_required_then_first() -> None:
    meeting = spec("chapter", "meeting")
    assert error_block(meeting, "--attendance: '-1' is out of range.") == "attendance"
    assert error_block(meeting, "DATE: 'someday' is not a date.") == "day"
    assert error_block(meeting, "Something else went wrong.") == "chapter"
    listing = spec("poll", "list")
    assert listing.params[0].kind is Kind.FLAG
    assert error_block(listing, "Nothing to see.") == "open_"
    with pytest.raises(ValueError):
        error_block(spec("chapter", "list"), "anything")
