"""Reply → Block Kit: mentions, escaping, and every Slack limit, on any Reply."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack.render import (
    MAX_MESSAGE_BLOCKS,
    ask_from_value,
    escape,
    files,
    mrkdwn,
    plain,
    render_blocks,
    render_message,
    render_text,
    render_view_blocks,
    unescape,
    write_person,
)
from bot.mentions import Person, mention
from bot.reply import (
    Actions,
    Ask,
    Block,
    Button,
    Fields,
    File,
    Header,
    Image,
    Note,
    Progress,
    Reply,
    Section,
)

ALICE = Person("Alice", {"slack": "U123", "discord": "42"})
BOB = Person("Bob <b&b>", {"discord": "43"})
PEOPLE = {1: ALICE, 2: BOB}


def reply(*blocks: Block, text: str = "fallback") -> Reply:
    return Reply(text=text, blocks=blocks, people=PEOPLE)


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


# Mentions and escaping


def test_slack_members_are_mentioned_and_others_are_named_escaped() -> None:
    assert write_person(ALICE) == "<@U123>"
    assert write_person(BOB) == "Bob &lt;b&amp;b&gt;"
    text = f"<script>& {mention(1)} thanks {mention(2)} and {mention(9)}"
    assert mrkdwn(text, reply()) == (
        "&lt;script&gt;&amp; <@U123> thanks Bob &lt;b&amp;b&gt; and a former member"
    )


def test_plain_text_names_everyone_and_drops_markup() -> None:
    assert plain(f"*Hi* `{mention(1)}` & {mention(2)}", reply()) == "Hi Alice & Bob <b&b>"


def test_a_section_mentions_and_escapes() -> None:
    blocks = render_blocks(reply(Section(f"*{mention(1)}* said <b>")))
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*<@U123>* said &lt;b&gt;"}}
    ]


def test_unescape_reverses_escape_and_decodes_ampersand_last() -> None:
    for text in ["a < b & c > d", "&lt;", "&amp;lt;", "<@U1>", "plain", ""]:
        assert unescape(escape(text)) == text
    assert unescape("&amp;lt;") == "&lt;"
    assert unescape("x &lt;y&gt; &amp; z") == "x <y> & z"


def test_fallback_text_is_escaped_mentioned_and_cut() -> None:
    assert render_text(reply(text=f"hi {mention(1)} <3")) == "hi <@U123> &lt;3"
    long = render_text(reply(text="&" * 5000))
    assert len(long) <= 3000
    assert long.endswith("&amp;…")


def test_cutting_never_splits_an_entity_or_a_mention() -> None:
    text = render_text(reply(text="x" * 2997 + mention(1) + " more"))
    assert text == "x" * 2997 + "…"


# Headers and sections


def test_header_is_plain_text_cut_to_150() -> None:
    [block] = render_blocks(reply(Header(f"*{mention(1)}* " + "h" * 300)))
    assert block["type"] == "header"
    assert block["text"]["type"] == "plain_text"
    assert block["text"]["emoji"] is True
    assert len(block["text"]["text"]) == 150
    assert block["text"]["text"].startswith("Alice hhh")
    assert block["text"]["text"].endswith("…")


def test_a_long_section_is_split_at_line_ends_without_losing_lines() -> None:
    lines = [f"line {n:04d} " + "x" * 90 for n in range(100)]
    text = "\n".join(lines)
    assert len(text) >= 10_000
    texts = section_texts(render_blocks(reply(Section(text))))
    assert len(texts) == 4
    assert all(len(t) <= 3000 for t in texts)
    assert "\n".join(texts).split("\n") == lines


def test_a_single_overlong_line_is_cut() -> None:
    [text] = section_texts(render_blocks(reply(Section("y" * 4000))))
    assert text == "y" * 2999 + "…"


def test_empty_and_blank_blocks_are_skipped() -> None:
    blocks = render_blocks(reply(Section(""), Section(" \n \n"), Header("  "), Note("")))
    assert blocks == []
    assert "blocks" not in render_message(reply(Section("  ")))


# Fields and progress


def test_23_field_pairs_become_3_sections() -> None:
    pairs = tuple((f"k{n}", f"v{n}") for n in range(23))
    blocks = render_blocks(reply(Fields(pairs)))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]
    assert blocks[0]["fields"][0] == {"type": "mrkdwn", "text": "*k0*\nv0"}
    assert blocks[2]["fields"][2]["text"] == "*k22*\nv22"


def test_a_long_field_is_cut_to_2000() -> None:
    [block] = render_blocks(reply(Fields((("Notes", "n" * 5000),))))
    assert len(block["fields"][0]["text"]) == 2000


def test_progress_shows_a_bar_numbers_and_note() -> None:
    [text] = section_texts(render_blocks(reply(Progress("Dues", 3, 4, note="almost"))))
    assert text == "*Dues*\n`" + "█" * 15 + "░" * 5 + "` 3/4 (75%) almost"


def test_progress_survives_bad_numbers() -> None:
    blocks = render_blocks(reply(Progress("a", float("inf"), 2), Progress("b", float("nan"), 0)))
    assert len(blocks) == 2
    assert "█" * 20 in section_texts(blocks)[0]


# Buttons


def test_30_buttons_become_2_actions_blocks_with_unique_ids() -> None:
    first = Actions(tuple(Button(f"B{n}", f"/go {n}") for n in range(20)))
    second = Actions(
        (
            *(Button(f"C{n}", f"/go c{n}", style="danger") for n in range(9)),
            Button("Plain", "/go plain", style="default"),
        )
    )
    blocks = render_blocks(reply(first, second))
    assert [b["type"] for b in blocks] == ["actions", "actions"]
    elements = buttons(blocks)
    assert len(elements) == 30
    ids = [e["action_id"] for e in elements]
    assert len(set(ids)) == 30
    assert all(i.startswith("run:") for i in ids)
    assert elements[0]["value"] == "/go 0"
    assert elements[0]["text"] == {"type": "plain_text", "text": "B0", "emoji": True}
    assert "style" not in elements[0]
    assert elements[20]["style"] == "danger"
    assert "style" not in elements[29]


def test_more_than_25_buttons_in_one_block_split() -> None:
    blocks = render_blocks(reply(Actions(tuple(Button("x", f"/x {n}") for n in range(30)))))
    assert [len(b["elements"]) for b in blocks] == [25, 5]


def test_button_labels_are_cut_and_oversized_commands_dropped() -> None:
    blocks = render_blocks(reply(Actions((Button("L" * 100, "/ok"), Button("big", "/" * 2001)))))
    [element] = buttons(blocks)
    assert len(element["text"]["text"]) == 75
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…and 1 more"}],
    }


def test_an_ask_button_round_trips_through_its_value() -> None:
    ask = Ask(options=(("Alice", "1"), ("Bob", "2"), ("Carol", "3")), most=2, ordered=True)
    ask = Ask(options=ask.options, most=2, ordered=True, title="Rank them")
    [element] = buttons(render_blocks(reply(Actions((Button("Vote", "/poll vote 12", ask=ask),)))))
    assert element["action_id"].startswith("ask:")
    assert ask_from_value(element["value"]) == ("/poll vote 12", ask)


def test_an_ask_value_fits_by_shortening_labels_only() -> None:
    options = tuple((f"{n}" + "é" * 299, str(n)) for n in range(10))
    ask = Ask(options=options, most=3, ordered=True, title="Pick")
    [element] = buttons(render_blocks(reply(Actions((Button("Vote", "/poll vote 7", ask=ask),)))))
    assert len(element["value"]) <= 2000
    parsed = ask_from_value(element["value"])
    assert parsed is not None
    action, back = parsed
    assert action == "/poll vote 7"
    assert [value for _, value in back.options] == [str(n) for n in range(10)]
    assert (back.most, back.ordered, back.title) == (3, True, "Pick")
    labels = [label for label, _ in back.options]
    assert all(label.startswith(f"{n}é") and label.endswith("…") for n, label in enumerate(labels))
    # The labels were shortened no more than needed.
    assert len(element["value"]) > 1900


def test_an_ask_title_goes_when_labels_alone_cannot_make_room() -> None:
    options = tuple((f"Option {n}", f"{n}" + "v" * 160) for n in range(10))
    ask = Ask(options=options, title="T" * 600)
    fits = Button("Vote", "/poll vote 1", ask=ask)
    too_big = Button("Vote", "/poll vote 2", ask=Ask(options=options * 2))
    blocks = render_blocks(reply(Actions((fits, too_big))))
    [element] = buttons(blocks)
    parsed = ask_from_value(element["value"])
    assert parsed is not None
    assert parsed[1].title == ""
    assert [value for _, value in parsed[1].options] == [value for _, value in options]
    assert blocks[-1]["elements"][0]["text"] == "…and 1 more"


def test_ask_from_value_rejects_other_shapes() -> None:
    for value in ["/poll vote 1", "[]", '{"action": 1, "ask": {}}', '{"action": "/x"}', "{"]:
        assert ask_from_value(value) is None
    bad_option = json.dumps({"action": "/x", "ask": {"options": [["a"]]}})
    assert ask_from_value(bad_option) is None
    assert (
        ask_from_value(json.dumps({"action": "/x", "ask": {"options": [], "most": True}})) is None
    )


def test_confirm_dialog_only_where_confirm_returns_a_prompt() -> None:
    actions = Actions((Button("Delete", "/chapter delete Boston"), Button("Info", "/chapter info")))

    def confirm(command: str) -> str | None:
        return "Delete *Boston* & all <data>?" if "delete" in command else None

    delete, info = buttons(render_blocks(reply(actions), confirm=confirm))
    assert delete["confirm"] == {
        "title": {"type": "plain_text", "text": "Are you sure?"},
        "text": {"type": "mrkdwn", "text": "Delete *Boston* &amp; all &lt;data&gt;?"},
        "confirm": {"type": "plain_text", "text": "Yes, go ahead"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }
    assert "confirm" not in info
    assert all("confirm" not in e for e in buttons(render_blocks(reply(actions))))


# Images, context, files, overflow


def test_image_and_context() -> None:
    image, context = render_blocks(reply(Image("https://x/y.png", "a" * 3000), Note("c <1>")))
    assert image == {"type": "image", "image_url": "https://x/y.png", "alt_text": image["alt_text"]}
    assert len(image["alt_text"]) == 2000
    assert context == {"type": "context", "elements": [{"type": "mrkdwn", "text": "c &lt;1&gt;"}]}


def test_a_file_is_a_context_line_and_listed_for_upload() -> None:
    export = File("members.csv", "name\nalice\n")
    message = reply(Section("Here it is"), export)
    assert render_blocks(message)[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "📎 members.csv (sent as a file)"}],
    }
    assert files(message) == [export]
    assert files(reply(Section("none"))) == []


def test_80_blocks_become_50_ending_with_a_note() -> None:
    blocks = render_blocks(reply(*(Section(f"s{n}") for n in range(80))))
    assert len(blocks) == 50
    assert section_texts(blocks[:49]) == [f"s{n}" for n in range(49)]
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…and 31 more"}],
    }


def test_the_note_counts_what_an_oversized_block_would_have_produced() -> None:
    many_fields = Fields(tuple((f"k{n}", "v") for n in range(100)))  # 10 sections
    blocks = render_blocks(reply(*(Section(f"s{n}") for n in range(45)), many_fields))
    assert len(blocks) == 50
    assert blocks[-1]["elements"][0]["text"] == "…and 6 more"


def test_views_allow_100_blocks_and_show_text_when_there_are_no_blocks() -> None:
    blocks = render_view_blocks(reply(*(Section(f"s{n}") for n in range(150))))
    assert len(blocks) == 100
    assert blocks[-1]["elements"][0]["text"] == "…and 51 more"
    assert render_view_blocks(reply(text=f"Welcome {mention(1)}")) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Welcome <@U123>"}}
    ]


def test_render_message_has_text_and_blocks() -> None:
    message = render_message(reply(Section("body"), text="note"))
    assert message == {
        "text": "note",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "body"}}],
    }


# Any Reply at all stays within Slack's limits

TOKENS = st.sampled_from([mention(1), mention(2), mention(77), "&", "<", ">", "*", "`", "\n"])
SHORT = st.text(max_size=40)
TEXT = st.one_of(
    SHORT,
    st.lists(st.one_of(SHORT, TOKENS), max_size=12).map("".join),
    st.tuples(st.one_of(SHORT, TOKENS), st.integers(1, 4000)).map(lambda p: p[0] * p[1]),
    st.tuples(st.text(min_size=1, max_size=3), st.integers(500, 12000)).map(
        lambda p: (p[0] * p[1])[: p[1]]
    ),
)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True)
ASK = st.builds(
    Ask,
    options=st.lists(st.tuples(TEXT, SHORT), max_size=12).map(tuple),
    most=st.integers(1, 5),
    ordered=st.booleans(),
    title=TEXT,
)
BUTTON = st.builds(
    Button,
    label=TEXT,
    action=TEXT,
    style=st.sampled_from(["default", "primary", "danger"]),
    ask=st.one_of(st.none(), ASK),
)
BLOCK = st.one_of(
    st.builds(Header, text=TEXT),
    st.builds(Section, text=TEXT),
    st.builds(Fields, pairs=st.lists(st.tuples(TEXT, TEXT), max_size=30).map(tuple)),
    st.builds(Progress, label=TEXT, value=NUMBERS, target=NUMBERS, note=TEXT),
    st.builds(Actions, buttons=st.lists(BUTTON, max_size=40).map(tuple)),
    st.builds(Image, url=st.one_of(SHORT, TEXT), alt=TEXT),
    st.builds(Note, text=TEXT),
    st.builds(File, name=TEXT, content=SHORT),
)
REPLY = st.builds(
    Reply,
    text=TEXT,
    blocks=st.lists(BLOCK, max_size=70).map(tuple),
    people=st.just(PEOPLE),
)


def assert_within_limits(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    assert len(blocks) <= max_blocks
    action_ids: list[str] = []
    for block in blocks:
        match block["type"]:
            case "header":
                assert 0 < len(block["text"]["text"]) <= 150
            case "section":
                assert ("text" in block) != ("fields" in block)
                if "text" in block:
                    assert block["text"]["text"].strip()
                    assert len(block["text"]["text"]) <= 3000
                else:
                    assert 0 < len(block["fields"]) <= 10
                    for field in block["fields"]:
                        assert field["text"].strip()
                        assert len(field["text"]) <= 2000
            case "actions":
                assert 0 < len(block["elements"]) <= 25
                for element in block["elements"]:
                    assert 0 < len(element["text"]["text"]) <= 75
                    assert 0 < len(element["value"]) <= 2000
                    action_ids.append(element["action_id"])
                    if "confirm" in element:
                        assert 0 < len(element["confirm"]["text"]["text"]) <= 300
            case "image":
                assert 0 < len(block["image_url"]) <= 3000
                assert 0 < len(block["alt_text"]) <= 2000
            case "context":
                [element] = block["elements"]
                assert element["text"].strip()
                assert len(element["text"]) <= 3000
            case other:
                raise AssertionError(f"unexpected block type {other}")
    assert len(action_ids) == len(set(action_ids))
    json.dumps(blocks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(REPLY, st.booleans())
def test_any_reply_stays_within_slack_limits(any_reply: Reply, confirming: bool) -> None:
    def confirm(command: str) -> str | None:
        return command * 3 if confirming and command else None

    message = render_message(any_reply, confirm=confirm)
    assert len(message["text"]) <= 3000
    assert_within_limits(message.get("blocks", []), MAX_MESSAGE_BLOCKS)
    assert_within_limits(render_view_blocks(any_reply), 100)
    for element in buttons(message.get("blocks", [])):
        if element["action_id"].startswith("ask:"):
            assert ask_from_value(element["value"]) is not None
        else:
            assert element["action_id"].startswith("run:")
