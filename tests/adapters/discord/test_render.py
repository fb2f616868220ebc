"""Reply → Discord message: mentions, Markdown, and every Discord limit, on any Reply."""

from __future__ import annotations

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    BRAND_COLOUR,
    ERROR_COLOUR,
    ButtonComponent,
    Component,
    Rendered,
    SelectComponent,
    markdown,
    modal_fields,
    modal_title,
    parse_custom_id,
    render,
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
    Visibility,
)

ALICE = Person("Alice", {"slack": "U123", "discord": "42"})
BOB = Person("Bob *the* _builder_", {"slack": "U456"})
PEOPLE = {1: ALICE, 2: BOB}


def reply(*blocks: Block, text: str = "fallback", ok: bool = True) -> Reply:
    return Reply(text=text, blocks=blocks, people=PEOPLE, ok=ok)


def buttons(rendered: Rendered) -> list[ButtonComponent]:
    return [c for row in rendered.components for c in row if isinstance(c, ButtonComponent)]


def selects(rendered: Rendered) -> list[SelectComponent]:
    return [c for row in rendered.components for c in row if isinstance(c, SelectComponent)]


def footer(rendered: Rendered) -> str:
    return rendered.embeds[-1].footer.text or ""


def embed_total(rendered: Rendered) -> int:
    return sum(len(embed) for embed in rendered.embeds)


# Mentions and Markdown


def test_discord_members_are_mentioned_and_others_are_named_escaped() -> None:
    assert write_person(ALICE) == "<@42>"
    assert write_person(BOB) == r"Bob \*the\* \_builder\_"
    assert write_person(Person("@everyone")) == "@\u200beveryone"
    assert write_person(Person("Eve", {"discord": "not-an-id"})) == "Eve"


def test_everyone_and_typed_mentions_in_user_text_never_ping() -> None:
    text = markdown(
        f"@everyone @here <@123456789012345678> <@&123456789012345678> {mention(1)}", reply()
    )
    assert "@everyone" not in text
    assert "@here" not in text
    assert "<@123456789012345678>" not in text
    assert "<@&123456789012345678>" not in text
    assert text.endswith("<@42>")


def test_single_asterisk_bold_doubles_but_not_inside_code() -> None:
    assert markdown("*Winner:* Tea", reply()) == "**Winner:** Tea"
    assert markdown("a `*x*` b *y*", reply()) == "a `*x*` b **y**"
    assert markdown("```\n*x*\n```", reply()) == "```\n*x*\n```"
    assert markdown("**already** and 2 * 3 * 4", reply()) == "**already** and 2 * 3 * 4"
    assert markdown("* bullet\n* another", reply()) == "* bullet\n* another"
    assert markdown("*see `code` here*", reply()) == "**see `code` here**"


def test_mentions_in_titles_field_names_and_footers_are_names() -> None:
    rendered = render(
        reply(
            Header(f"For {mention(1)}"),
            Fields(((f"By {mention(1)}", f"to {mention(1)}"),)),
            Note(f"asked by {mention(1)} and {mention(2)}"),
        )
    )
    embed = rendered.embeds[0]
    assert embed.title == "For Alice"
    assert embed.fields[0].name == "By Alice"
    assert embed.fields[0].value == "to <@42>"
    assert footer(rendered) == "asked by Alice and Bob the _builder_"


# Embeds


def test_header_is_the_title_and_later_headers_are_bold_lines() -> None:
    rendered = render(reply(Header("First"), Section("body"), Header("Second")))
    assert rendered.content == ""
    assert len(rendered.embeds) == 1
    embed = rendered.embeds[0]
    assert embed.title == "First"
    assert embed.description == "body\n\n**Second**"
    assert embed.colour is not None and embed.colour.value == BRAND_COLOUR


def test_a_long_section_splits_into_embeds_within_limits() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(210))
    assert len(text) > 20_000
    rendered = render(reply(Header("Report"), Section(text)))
    assert 2 <= len(rendered.embeds) <= 10
    assert all(len(embed.description or "") <= 4096 for embed in rendered.embeds)
    assert embed_total(rendered) <= 6000
    assert rendered.dropped > 0
    assert footer(rendered) == f"…and {rendered.dropped} more"
    assert (rendered.embeds[0].description or "").startswith("line 0 ")


def test_a_single_huge_line_is_cut() -> None:
    rendered = render(reply(Section("y" * 20_000)))
    assert embed_total(rendered) <= 6000
    assert (rendered.embeds[0].description or "").endswith("…")


def test_30_field_pairs_become_2_embeds() -> None:
    pairs = tuple((f"Name {n}", f"value {n}") for n in range(30))
    rendered = render(reply(Header("Members"), Fields(pairs)))
    assert [len(embed.fields) for embed in rendered.embeds] == [25, 5]
    assert rendered.embeds[0].title == "Members"
    assert rendered.embeds[1].title is None
    assert all(field.inline for embed in rendered.embeds for field in embed.fields)
    assert rendered.embeds[1].fields[-1].value == "value 29"
    assert rendered.dropped == 0


def test_at_most_10_embeds_then_a_note() -> None:
    rendered = render(reply(Fields(tuple(("a", "b") for _ in range(300)))))
    assert [len(embed.fields) for embed in rendered.embeds] == [25] * 10
    assert rendered.dropped == 50
    assert footer(rendered) == "…and 50 more"


def test_long_fields_are_cut_and_blank_names_filled() -> None:
    rendered = render(reply(Fields((("", "v" * 2000), ("n" * 300, "short")))))
    first, second = rendered.embeds[0].fields
    assert first.name == "\u200b" and len(first.value or "") == 1024 and not first.inline
    assert len(second.name or "") == 256


def test_text_after_fields_starts_a_new_embed_to_keep_reading_order() -> None:
    rendered = render(reply(Section("before"), Fields((("a", "b"),)), Section("after")))
    assert [embed.description for embed in rendered.embeds] == ["before", "after"]


def test_progress_shows_a_bar_numbers_and_note() -> None:
    rendered = render(reply(Progress("Raised", 30, 40, "so far")))
    assert rendered.embeds[0].description == "**Raised**\n`███████████████░░░░░` 30/40 (75%) so far"


def test_progress_survives_bad_numbers() -> None:
    for value, target in [(float("nan"), 5), (5, float("nan")), (float("inf"), 1), (3, 0)]:
        description = render(reply(Progress("P", value, target))).embeds[0].description or ""
        assert description.startswith("**P**\n`")


def test_images_and_context() -> None:
    rendered = render(
        reply(
            Image("https://x.test/a.png", "first"),
            Image("https://x.test/b(1).png", "second [pic]"),
            Image("not a url", "bad"),
            Note("one"),
            Note("two"),
        )
    )
    embed = rendered.embeds[0]
    assert embed.image.url == "https://x.test/a.png"
    assert embed.description == "🖼 [second pic](https://x.test/b%281%29.png)"
    assert footer(rendered) == "one · two · …and 1 more"


def test_a_file_is_attached_and_noted() -> None:
    export = File("members.csv", "a,b\n1,2\n")
    rendered = render(reply(Section("Your export"), export))
    assert rendered.files == [export]
    assert rendered.embeds[0].description == "Your export\n\n📎 members.csv (attached)"


def test_an_error_reply_is_plain_content_and_red_with_blocks() -> None:
    rendered = render(Reply.error("No such poll: *12*."))
    assert rendered.content == "No such poll: **12**."
    assert rendered.embeds == []
    assert rendered.ephemeral
    red = render(reply(Section("It went wrong"), ok=False))
    assert red.embeds[0].colour is not None and red.embeds[0].colour.value == ERROR_COLOUR
    long = render(Reply.error("z" * 5000))
    assert len(long.content) <= 2000


def test_visibility() -> None:
    assert not render(Reply.public("hi", Section("x"))).ephemeral
    assert render(Reply.private("hi", Section("x"))).ephemeral
    assert render(Reply("hi", visibility=Visibility.EPHEMERAL)).content == "hi"


# Components


def test_30_buttons_become_5_rows_of_5_and_the_rest_is_noted() -> None:
    many = tuple(Button(f"B{n}", f"/thing {n}") for n in range(30))
    rendered = render(reply(Section("Pick"), Actions(many)))
    assert [len(row) for row in rendered.components] == [5] * 5
    assert rendered.dropped == 5
    assert footer(rendered) == "…and 5 more"
    first = rendered.components[0][0]
    assert first == ButtonComponent("B0", "run:/thing 0", "secondary")


def test_a_command_too_long_for_a_custom_id_is_dropped() -> None:
    rendered = render(
        reply(Section("x"), Actions((Button("Long", "/" + "a" * 149), Button("Ok", "/ok"))))
    )
    assert [b.custom_id for b in buttons(rendered)] == ["run:/ok"]
    assert rendered.dropped == 1
    assert footer(rendered) == "…and 1 more"


def test_button_styles_labels_and_duplicates() -> None:
    rendered = render(
        reply(
            Actions(
                (
                    Button("Go", "/a", "primary"),
                    Button("Stop", "/b", "danger"),
                    Button("", "/c"),
                    Button("Again", "/a"),
                    Button("L" * 100, "/d"),
                )
            )
        )
    )
    shown = buttons(rendered)
    assert [(b.label, b.style) for b in shown[:3]] == [
        ("Go", "primary"),
        ("Stop", "danger"),
        ("/c", "secondary"),
    ]
    assert len(shown) == 4
    assert len(shown[3].label) == 80
    assert rendered.dropped == 0


def test_a_pick_of_several_is_a_select_in_the_message() -> None:
    several = Ask((("Tea", "1"), ("Coffee", "2"), ("Water", "3")), most=2, title="Choose up to 2")
    block = Actions(
        (
            Button("1. Tea", "/poll vote 12 1 --toggle"),
            Button("2. Coffee", "/poll vote 12 2 --toggle"),
            Button("3. Water", "/poll vote 12 3 --toggle"),
            Button("Choose up to 2", "/poll vote 12", ask=several),
        )
    )
    rendered = render(reply(Header("Poll 12"), block))
    (select,) = selects(rendered)
    assert rendered.components[0] == [select]
    assert select.custom_id == "pick:/poll vote 12"
    assert select.options == [("Tea", "1"), ("Coffee", "2"), ("Water", "3")]
    assert (select.min_values, select.max_values) == (1, 2)  # the poll's limit, not all three
    assert select.placeholder == "Choose up to 2"
    assert len(buttons(rendered)) == 3
    assert rendered.asks == {}  # a select needs no modal
    assert parse_custom_id(select.custom_id) == ("pick", "/poll vote 12")


def test_a_select_takes_a_row_so_25_buttons_and_a_pick_lose_their_last_row() -> None:
    toggles = tuple(Button(f"{n}. X", f"/poll vote 3 {n} --toggle") for n in range(1, 26))
    pick = Button("Choose", "/poll vote 3", ask=Ask(tuple(("X", str(n)) for n in range(1, 26)), 25))
    rendered = render(reply(Header("Poll 3"), Actions((*toggles, pick))))
    assert [len(row) for row in rendered.components] == [1, 5, 5, 5, 5]
    (select,) = selects(rendered)
    assert select.max_values == 25
    assert rendered.dropped == 5


def test_buttons_without_a_pick_get_no_select() -> None:
    toggles = tuple(Button(f"{n}. X", f"/poll vote 12 {n} --toggle") for n in (1, 2))
    ranking = (Button("Rank", "/poll vote 12", ask=Ask((("a", "1"), ("b", "2")), 2, True)),)
    for block in (toggles, ranking, (Button("Close", "/poll close 12"),)):
        assert selects(render(reply(Actions(block)))) == []


def test_an_ask_button_is_listed_for_a_modal() -> None:
    ranking = Ask((("Tea", "1"), ("Coffee", "2")), most=2, ordered=True, title="Rank poll 12")
    rendered = render(reply(Actions((Button("Rank", "/poll vote 12", "primary", ranking),))))
    (button,) = buttons(rendered)
    assert button.custom_id == "ask:/poll vote 12"
    assert rendered.asks == {"ask:/poll vote 12": ("/poll vote 12", ranking)}
    assert parse_custom_id(button.custom_id) == ("ask", "/poll vote 12")


def test_parse_custom_id_rejects_other_shapes() -> None:
    assert parse_custom_id("run:/poll vote 12 2") == ("run", "/poll vote 12 2")
    assert parse_custom_id("run:/a:b") == ("run", "/a:b")
    for bad in ("", "run", "run:", "run: ", "other:/x", ":/x"):
        assert parse_custom_id(bad) is None


def test_a_ranking_modal_has_up_to_five_ordered_selects() -> None:
    options = tuple((f"Option {n} " + "o" * 120, str(n)) for n in range(1, 31))
    fields = modal_fields(Ask(options, most=30, ordered=True, title="Rank poll 12"))
    assert [f.label for f in fields] == [
        "1st choice",
        "2nd choice",
        "3rd choice",
        "4th choice",
        "5th choice",
    ]
    assert [f.required for f in fields] == [True, False, False, False, False]
    assert len({f.custom_id for f in fields}) == 5
    for f in fields:
        assert len(f.options) == 25
        assert all(len(label) <= 100 and len(value) <= 100 for label, value in f.options)
        assert f.max_values == 1
    assert len(modal_fields(Ask((("a", "1"), ("b", "2")), most=2, ordered=True))) == 2
    assert modal_title(Ask((), title="T" * 60)) == "T" * 44 + "…"


def test_a_pick_modal_is_one_select_of_up_to_most() -> None:
    (pick,) = modal_fields(Ask((("a", "1"), ("b", "2"), ("c", "3"), ("dup", "1")), most=2))
    assert pick.options == [("a", "1"), ("b", "2"), ("c", "3")]
    assert (pick.min_values, pick.max_values, pick.required) == (1, 2, True)
    assert modal_fields(Ask((("too long", "v" * 101),))) == []


# Any Reply stays within every Discord limit

TOKENS = st.sampled_from(
    [mention(1), mention(2), mention(77), "*", "`", "\n", "@everyone", "<@", "\ufeff", " "]
)
SHORT = st.text(max_size=40)
TEXT = st.one_of(
    SHORT,
    st.lists(st.one_of(SHORT, TOKENS), max_size=12).map("".join),
    st.tuples(st.one_of(SHORT, TOKENS), st.integers(1, 4000)).map(lambda p: p[0] * p[1]),
    st.tuples(st.text(min_size=1, max_size=3), st.integers(500, 12000)).map(
        lambda p: (p[0] + "\n") * (p[1] // 4)
    ),
)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True)
ACTION = st.one_of(
    SHORT,
    st.text(min_size=90, max_size=120),
    st.integers(1, 40).map(lambda n: f"/poll vote 7 {n} --toggle"),
)
ASK = st.builds(
    Ask,
    options=st.lists(st.tuples(TEXT, SHORT), max_size=30).map(tuple),
    most=st.integers(0, 30),
    ordered=st.booleans(),
    title=SHORT,
)
BUTTON = st.builds(
    Button,
    label=TEXT,
    action=ACTION,
    style=st.sampled_from(["default", "primary", "danger"]),
    ask=st.one_of(st.none(), ASK),
)
TOGGLES = st.integers(2, 30).map(
    lambda n: Actions(tuple(Button(f"{i}. opt", f"/poll vote 9 {i} --toggle") for i in range(n)))
)
URL = st.one_of(SHORT, st.text(max_size=30).map(lambda s: "https://x.test/" + s.replace(" ", "")))
BLOCK = st.one_of(
    st.builds(Header, text=TEXT),
    st.builds(Section, text=TEXT),
    st.builds(Fields, pairs=st.lists(st.tuples(TEXT, TEXT), max_size=30).map(tuple)),
    st.builds(Progress, label=TEXT, value=NUMBERS, target=NUMBERS, note=TEXT),
    st.builds(Actions, buttons=st.lists(BUTTON, max_size=40).map(tuple)),
    TOGGLES,
    st.builds(Image, url=URL, alt=TEXT),
    st.builds(Note, text=TEXT),
    st.builds(File, name=TEXT, content=SHORT),
)
REPLY = st.builds(
    Reply,
    text=TEXT,
    blocks=st.lists(BLOCK, max_size=40).map(tuple),
    visibility=st.sampled_from(list(Visibility)),
    ok=st.booleans(),
    people=st.just(PEOPLE),
)


def visible(text: str | None) -> bool:
    return bool(text and text.replace("\ufeff", "").strip())


def check_embed(embed: discord.Embed) -> None:
    assert embed.title is None or 0 < len(embed.title) <= 256
    assert embed.description is None or (
        visible(embed.description) and len(embed.description) <= 4096
    )
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert visible(field.name) and len(field.name or "") <= 256
        assert visible(field.value) and len(field.value or "") <= 1024
    assert embed.footer.text is None or 0 < len(embed.footer.text) <= 2048
    assert len(embed) <= 6000
    assert embed.title or embed.description or embed.fields or embed.image or embed.footer.text
    if embed.image.url is not None:
        assert embed.image.url.startswith(("https://", "http://"))
    embed.to_dict()


def check_component(component: Component) -> None:
    assert 0 < len(component.custom_id) <= 100
    assert parse_custom_id(component.custom_id) is not None
    if isinstance(component, ButtonComponent):
        assert 0 < len(component.label) <= 80
        assert component.style in ("primary", "secondary", "danger")
        return
    assert 0 < len(component.options) <= 25
    for label, value in component.options:
        assert 0 < len(label) <= 100 and 0 < len(value) <= 100
    assert len({value for _, value in component.options}) == len(component.options)
    assert 1 <= component.min_values <= component.max_values <= len(component.options)
    assert len(component.placeholder) <= 150


def check_modal(ask: Ask) -> None:
    assert len(modal_title(ask)) <= 45
    fields = modal_fields(ask)
    assert len(fields) <= 5
    assert len({f.custom_id for f in fields}) == len(fields)
    for f in fields:
        assert 0 < len(f.label) <= 45
        assert 0 < len(f.options) <= 25
        for label, value in f.options:
            assert 0 < len(label) <= 100 and 0 < len(value) <= 100
        assert 0 <= f.min_values <= f.max_values <= len(f.options)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(REPLY)
@example(  # found once: a pick with no command must not become the custom id "pick:"
    Reply("", (Actions((Button("", "", ask=Ask((("", "0"),), most=0, ordered=False)),)),))
)
def test_any_reply_stays_within_discord_limits(any_reply: Reply) -> None:
    rendered = render(any_reply)
    assert len(rendered.content) <= 2000
    assert rendered.embeds or rendered.content.strip()
    assert len(rendered.embeds) <= 10
    for embed in rendered.embeds:
        check_embed(embed)
    assert embed_total(rendered) <= 6000
    if rendered.embeds:
        assert rendered.content == ""
        colour = rendered.embeds[0].colour
        assert colour is not None
        assert colour.value == (BRAND_COLOUR if any_reply.ok else ERROR_COLOUR)
    if rendered.dropped:
        shown = footer(rendered) if rendered.embeds else rendered.content
        assert shown.endswith(f"…and {rendered.dropped} more")

    assert len(rendered.components) <= 5
    ids: list[str] = []
    for row in rendered.components:
        assert 0 < len(row) <= 5
        if any(isinstance(c, SelectComponent) for c in row):
            assert len(row) == 1
        for component in row:
            check_component(component)
            ids.append(component.custom_id)
    assert len(ids) == len(set(ids))
    for custom_id, (command, ask) in rendered.asks.items():
        assert custom_id in ids
        assert parse_custom_id(custom_id) == ("ask", command)
        check_modal(ask)

    assert len(rendered.files) <= 10
    assert rendered.ephemeral == (any_reply.visibility != Visibility.PUBLIC)
