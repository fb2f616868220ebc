"""The shared text grammar, as Slack and console users type it, against the real registry.

Every refusal must be one line that says what was wrong and what would be right;
no text at all may raise anything but a `UserError` (the property tests hold us to it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.context import Context
from bot.declarations import Arg, ChannelRef, CommandSpec, MemberRef, Opt, When
from bot.errors import BadArgument, UserError
from bot.mentions import CLOSE, OPEN, member_ids, mention
from bot.parser import MAX_TEXT, ParseEnv, Token, bind_values, parse, tokenize
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import build_registry
from tests.support import START

REGISTRY = build_registry()
UTC = ZoneInfo("UTC")
CONSOLE = ParseEnv("console", START, UTC)
SLACK = ParseEnv("slack", START, UTC)
DISCORD = ParseEnv("discord", START, UTC)
TODAY = START.date()  # Monday 2026-06-15
assert TODAY.weekday() == 0, "the date tests below assume START is a Monday"

PROPERTY = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def parsed(text: str, env: ParseEnv = CONSOLE) -> tuple[str, dict[str, Any]]:
    spec, values = parse(REGISTRY, text, env)
    return spec.path, values


def values(text: str, env: ParseEnv = CONSOLE) -> dict[str, Any]:
    return parsed(text, env)[1]


def refusal(text: str, env: ParseEnv = CONSOLE, registry: Registry = REGISTRY) -> str:
    """The one-line message a user sees for text that must be refused."""
    with pytest.raises(BadArgument) as raised:
        parse(registry, text, env)
    message = str(raised.value)
    assert message, f"{text!r} was refused with an empty message"
    assert len(message.splitlines()) == 1, f"not one line: {message!r}"
    return message


def meeting(**changes: Any) -> dict[str, Any]:
    """What `/chapter meeting Boston working 2026-03-14 Talk` parses to, with changes."""
    base = {
        "chapter": "Boston",
        "kind": "working",
        "day": date(2026, 3, 14),
        "topic": "Talk",
        "attendance": None,
    }
    return base | changes


# A throwaway feature with the kinds no shipped command uses yet: durations,
# points in time, channels and plain member mentions.
scratch = Router("scratch")


@scratch.command("poll", "open", examples=["/poll open Lunch? --for 48h"])
async def poll_open(
    context: Context,
    question: Annotated[str, Arg("what to ask")],
    for_: Annotated[timedelta, Opt("how long it stays open", metavar="DURATION")],
    until: Annotated[When | None, Opt("when to remind people")] = None,
    where: Annotated[ChannelRef | None, Opt("where to post it", metavar="#channel")] = None,
    ping: Annotated[MemberRef | None, Opt("who to tell")] = None,
) -> Reply:
    """Open a poll."""
    return Reply.private("ok")


SCRATCH = Registry().include(scratch)


def scratch_values(text: str, env: ParseEnv = SLACK) -> dict[str, Any]:
    return parse(SCRATCH, text, env)[1]


# --- tokenize ---------------------------------------------------------------------------


def test_words_split_on_any_whitespace() -> None:
    assert tokenize("  /chapter\tinfo \n Boston  ") == [
        Token("/chapter"),
        Token("info"),
        Token("Boston"),
    ]


def test_straight_double_and_single_quotes_group_words() -> None:
    assert tokenize("a \"b c\" 'd e' f") == [
        Token("a"),
        Token("b c", quoted=True),
        Token("d e", quoted=True),
        Token("f"),
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "“Ethics of AI”",  # what Slack clients send for "…"
        "‘Ethics of AI’",  # and for '…'
        "”Ethics of AI”",  # some keyboards send two closing quotes
        "„Ethics of AI“",  # German
        "«Ethics of AI»",  # French
        '"Ethics of AI”',  # a straight quote closed by a curly one
        '“Ethics of AI"',  # and the other way round
    ],
)
def test_typographic_quotes_group_words(typed: str) -> None:
    assert tokenize(f"x {typed} y") == [
        Token("x"),
        Token("Ethics of AI", quoted=True),
        Token("y"),
    ]


def test_apostrophes_inside_words_stay_literal() -> None:
    assert [t.text for t in tokenize("Women's night, don’t panic")] == [
        "Women's",
        "night,",
        "don’t",
        "panic",
    ]
    assert not any(t.quoted for t in tokenize("Women's don’t rock’n’roll"))


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("'Women's night'", "Women's night"),
        ("‘don’t stop’", "don’t stop"),
        ("'don’t stop'", "don’t stop"),
        ("“don’t stop”", "don’t stop"),
        ('"Women\'s night"', "Women's night"),
        ("'say \"hi\" twice'", 'say "hi" twice'),
        ("\"it's 'fine'\"", "it's 'fine'"),
    ],
)
def test_quoted_phrases_keep_apostrophes_and_the_other_kind_of_quote(
    typed: str, phrase: str
) -> None:
    assert tokenize(typed) == [Token(phrase, quoted=True)]


def test_empty_quotes_are_an_empty_quoted_word() -> None:
    assert tokenize('a "" b') == [Token("a"), Token("", quoted=True), Token("b")]


@pytest.mark.parametrize(
    ("typed", "closing"),
    [
        ('/chapter info "Washington DC', '"'),
        ("/chapter info “Washington DC", "”"),
        ("/chapter info 'Washington DC", "'"),
        ("/chapter info ‘Washington DC", "’"),
        ("/chapter info «Washington DC", "»"),
    ],
)
def test_unclosed_quote_says_which_quote_to_add(typed: str, closing: str) -> None:
    message = refusal(typed)
    assert message.startswith("Unclosed quote")
    assert "Washington" in message
    assert message.endswith(f"add the closing {closing}.")


def test_unclosed_quote_message_stays_one_line_when_the_phrase_spans_lines() -> None:
    assert "\n" not in refusal('/chapter info "Washington\nDC')


def test_quoted_double_dash_word_is_a_positional_not_an_option() -> None:
    assert tokenize('"--attendance" --attendance') == [
        Token("--attendance", quoted=True),
        Token("--attendance"),
    ]
    got = values('/chapter meeting Boston working 2026-03-14 "--attendance" --attendance 3')
    assert got == meeting(topic="--attendance", attendance=3)


def test_option_value_in_quotes_after_equals_is_one_word() -> None:
    assert tokenize('--region="North America" --tz=UTC') == [
        Token("--region=North America"),
        Token("--tz=UTC"),
    ]
    assert tokenize("--region=“North America”") == [Token("--region=North America")]


def test_a_dash_that_a_phone_made_of_double_hyphen_still_starts_an_option() -> None:
    assert tokenize("—attendance 12 –region=“North America”") == [
        Token("--attendance"),
        Token("12"),
        Token("--region=North America"),
    ]
    assert tokenize("– 3 —5") == [Token("–"), Token("3"), Token("—5")]


# --- finding the command -----------------------------------------------------------------


def test_command_names_are_case_insensitive() -> None:
    assert parsed("/CHAPTER List") == ("chapter list", {})
    assert parsed("/Help") == ("help", {"command": ()})


def test_top_level_command_without_subcommands() -> None:
    assert parsed("/audit") == ("audit", {"count": 20})
    assert parsed("/audit 50") == ("audit", {"count": 50})


def test_unknown_command_suggests_the_closest_and_points_at_help() -> None:
    message = refusal("/chapters list")
    assert message == "Unknown command /chapters. Did you mean chapter? Type /help for the list."
    message = refusal("/xyzzy")
    assert message == "Unknown command /xyzzy. Type /help for the list."


def test_unknown_subcommand_suggests_the_closest_and_lists_them_all() -> None:
    message = refusal("/chapter meting Boston working today Talk")
    assert message.startswith("/chapter has no subcommand 'meting'. Did you mean meeting?")
    for name in ("activate", "create", "info", "list", "meeting", "president", "status"):
        assert name in message


def test_group_without_subcommand_lists_the_subcommands() -> None:
    for typed in ("/chapter", "/chapter --region Europe"):
        message = refusal(typed)
        assert message.startswith("/chapter needs a subcommand: ")
        assert "meeting" in message and "list" in message


@pytest.mark.parametrize("typed", ["", "   ", '"chapter" list', OPEN + CLOSE])
def test_no_command_at_all_asks_for_one(typed: str) -> None:
    assert refusal(typed) == "Type a command such as /help or /chapter list."


# --- positionals -------------------------------------------------------------------------


def test_missing_positional_names_it_and_shows_the_usage() -> None:
    assert refusal("/chapter info") == "Missing CHAPTER. Usage: /chapter info CHAPTER"
    message = refusal("/chapter meeting Boston working")
    assert message == (
        "Missing DATE. Usage: /chapter meeting CHAPTER working|social DATE TOPIC [--attendance N]"
    )


def test_unexpected_extra_word_is_named_with_the_usage() -> None:
    assert refusal("/member nudges off please") == (
        "Unexpected 'please'. Usage: /member nudges on|off"
    )
    assert refusal("/chapter list everything").startswith("Unexpected 'everything'.")
    assert refusal("/audit 5 6") == "Unexpected '6'. Usage: /audit [N]"
    assert refusal("/role grant @grace moderator now").startswith("Unexpected 'now'.")


def test_last_text_parameter_takes_the_rest_of_the_line() -> None:
    assert values("/chapter info Washington DC") == {"chapter": "Washington DC"}
    assert values("/chapter meeting Boston working 2026-03-14 Ethics of AI") == meeting(
        topic="Ethics of AI"
    )


def test_optional_positional_left_out_gets_its_default() -> None:
    assert values("/member join") == {"chapter": None, "move": False}
    assert values("/member join Boston") == {"chapter": "Boston", "move": False}
    assert values("/member profile") == {"member": None}


def test_variadic_positional_collects_every_word() -> None:
    assert values("/help chapter meeting") == {"command": ("chapter", "meeting")}
    assert values("/help") == {"command": ()}


def test_quoted_whitespace_only_text_is_refused_as_empty() -> None:
    assert refusal('/chapter info "   "') == "CHAPTER is empty; give some text."


# --- options -----------------------------------------------------------------------------


def test_required_options_in_any_order_and_position() -> None:
    expected = {"name": "Los Angeles", "region": "North America", "tz": "America/Los_Angeles"}
    for typed in (
        '/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles',
        '/chapter create --tz America/Los_Angeles --region "North America" "Los Angeles"',
        "/chapter create “Los Angeles” --region=“North America” --tz=America/Los_Angeles",
        '/chapter create Los Angeles --region "North America" --tz America/Los_Angeles',
    ):
        assert parsed(typed) == ("chapter create", expected), typed


def test_missing_required_option_names_it_with_its_metavar() -> None:
    message = refusal("/chapter create Oslo --tz Europe/Oslo")
    assert message == ("Missing --region TEXT. Usage: /chapter create NAME --region TEXT --tz ZONE")
    assert refusal("/chapter create Oslo --region Europe").startswith("Missing --tz ZONE.")


def test_unknown_option_suggests_the_closest() -> None:
    message = refusal("/chapter meeting Boston working today Talk --atendance 3")
    assert message == (
        "/chapter meeting has no option --atendance. Did you mean --attendance? "
        "Options: --attendance."
    )
    assert refusal("/chapter list --all") == "/chapter list has no option --all. Options: none."


def test_option_names_are_case_insensitive() -> None:
    got = values("/chapter meeting Boston working 2026-03-14 Talk --ATTENDANCE 4")
    assert got == meeting(attendance=4)


def test_option_given_twice_is_refused() -> None:
    for typed in (
        "/chapter meeting Boston working 2026-03-14 Talk --attendance 1 --attendance 2",
        "/chapter meeting Boston working 2026-03-14 Talk --attendance=1 --Attendance 1",
    ):
        assert refusal(typed) == "--attendance is given twice; give it once."


def test_option_missing_its_value() -> None:
    message = refusal("/chapter meeting Boston working 2026-03-14 Talk --attendance")
    assert message.startswith("--attendance needs a value (N). Usage: /chapter meeting")
    message = refusal("/chapter create Oslo --region --tz Europe/Oslo")
    assert message.startswith("--region needs a value (TEXT).")


def test_option_value_may_be_a_quoted_double_dash_word() -> None:
    got = values('/chapter create Oslo --region "--north--" --tz Europe/Oslo')
    assert got["region"] == "--north--"


def test_option_with_equals_form() -> None:
    assert values("/chapter meeting Boston working 2026-03-14 Talk --attendance=12") == meeting(
        attendance=12
    )
    assert refusal("/chapter meeting Boston working 2026-03-14 Talk --attendance=") == (
        "--attendance is empty; give a value."
    )


def test_flags_are_true_when_given_and_false_otherwise() -> None:
    assert values("/member forget --confirm") == {"confirm": True}
    assert values("/member forget --CONFIRM") == {"confirm": True}
    assert values("/member forget") == {"confirm": False}
    assert refusal("/member forget --confirm=yes") == (
        "--confirm is a switch and takes no value. Usage: /member forget [--confirm]"
    )


def test_a_lone_double_dash_is_an_ordinary_word() -> None:
    assert values("/chapter info --") == {"chapter": "--"}


# --- conversions -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "number"), [("12", 12), ("+5", 5), ("-3", -3), ("0", 0)])
def test_whole_numbers(typed: str, number: int) -> None:
    got = values(f"/chapter meeting Boston working 2026-03-14 Talk --attendance {typed}")
    assert got == meeting(attendance=number)


@pytest.mark.parametrize("typed", ["lots", "1.5", "12people", "1234567890", "1e3", "0x10"])
def test_not_a_whole_number(typed: str) -> None:
    message = refusal(f"/chapter meeting Boston working 2026-03-14 Talk --attendance {typed}")
    assert message == f"--attendance expects a whole number, got {typed!r}."


def test_positional_whole_number_is_named_by_its_metavar() -> None:
    assert refusal("/audit lots") == "N expects a whole number, got 'lots'."


@pytest.mark.parametrize("typed", ["working", "Working", "WORKING", "“working”"])
def test_choices_are_case_insensitive(typed: str) -> None:
    assert values(f"/chapter meeting Boston {typed} 2026-03-14 Talk")["kind"] == "working"


def test_choice_not_offered_lists_the_choices_and_suggests() -> None:
    message = refusal("/chapter meeting Boston workin 2026-03-14 Talk")
    assert (
        message == "working|social must be working or social, got 'workin'. Did you mean working?"
    )
    assert refusal("/member nudges maybe") == "on|off must be on or off, got 'maybe'."
    assert values("/role grant @grace HQ") == {
        "member": MemberRef("console", "grace"),
        "role": "hq",
    }


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-03-14", date(2026, 3, 14)),
        ("today", TODAY),
        ("Today", TODAY),
        ("yesterday", date(2026, 6, 14)),
        # DATE is declared past=True: a bare weekday is the most recent one.
        ("tuesday", date(2026, 6, 9)),
        ("Tue", date(2026, 6, 9)),
        ("sunday", date(2026, 6, 14)),
        ("monday", TODAY),  # today is a Monday
        ('"last monday"', date(2026, 6, 8)),
        ("“last friday”", date(2026, 6, 12)),
    ],
)
def test_meeting_dates(typed: str, day: date) -> None:
    assert values(f"/chapter meeting Boston social {typed} Picnic")["day"] == day


def test_today_is_the_local_date_of_the_configured_zone() -> None:
    # 16:00 UTC on Monday is already 04:00 on Tuesday in Auckland.
    auckland = ParseEnv("slack", START, ZoneInfo("Pacific/Auckland"))
    assert values("/chapter meeting Boston social today Picnic", auckland)["day"] == date(
        2026, 6, 16
    )
    assert values("/chapter meeting Boston social monday Picnic", auckland)["day"] == TODAY


@pytest.mark.parametrize("typed", ["2026-02-30", "someday", "14/03/2026", "last", "tuesdays"])
def test_bad_dates_say_what_a_date_looks_like(typed: str) -> None:
    message = refusal(f"/chapter meeting Boston social {typed} Picnic")
    assert message == (
        "DATE expects a date like 2026-03-14, today, yesterday, or a weekday name such as "
        f"tuesday, got {typed!r}."
    )


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("90m", timedelta(minutes=90)),
        ("48h", timedelta(hours=48)),
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("3D", timedelta(days=3)),
        ('"2 weeks"', timedelta(weeks=2)),
    ],
)
def test_durations(typed: str, length: timedelta) -> None:
    assert scratch_values(f"/poll open Lunch? --for {typed}")["for_"] == length


@pytest.mark.parametrize("typed", ["90", "0m", "-3d", "soon", "3x", "h", "1e400s"])
def test_bad_durations_say_what_a_duration_looks_like(typed: str) -> None:
    message = refusal(f'/poll open Lunch? --for "{typed}"', SLACK, SCRATCH)
    assert message == f"--for expects a duration like 90m, 48h, 3d or 2w, got {typed!r}."


def test_overlong_duration_is_refused() -> None:
    message = refusal("/poll open Lunch? --for 6y", SLACK, SCRATCH)
    assert message == "--for is too long ('6y'); at most 5 years."


def test_when_values() -> None:
    new_york = ParseEnv("slack", START, ZoneInfo("America/New_York"))

    def until(typed: str) -> datetime:
        return scratch_values(f"/poll open Q --for 1d --until {typed}", new_york)["until"]

    assert until("48h") == START + timedelta(hours=48)
    # A date means the end of that day where the society is.
    assert until("2026-06-20") == datetime(2026, 6, 20, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    assert until("2026-06-20T18:00") == datetime(2026, 6, 20, 22, 0, tzinfo=UTC)
    assert until("2026-06-20T18:00+02:00") == datetime(2026, 6, 20, 16, 0, tzinfo=UTC)
    assert until('"2026-06-20 18:00"') == datetime(2026, 6, 20, 22, 0, tzinfo=UTC)
    assert until("tomorrow") == datetime(2026, 6, 16, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    assert until("friday") == datetime(2026, 6, 19, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    assert scratch_values("/poll open Q --for 1d")["until"] is None


def test_bad_when_says_both_forms() -> None:
    message = refusal("/poll open Q --for 1d --until someday", SLACK, SCRATCH)
    assert message == (
        "--until expects a duration like 48h or 3d, or a date/time like 2026-03-14 or "
        "2026-03-14T18:00, got 'someday'."
    )


def test_when_out_of_range_is_a_user_error() -> None:
    message = refusal("/poll open Q --for 1d --until 0001-01-01T00:00+14:00", SLACK, SCRATCH)
    assert "out of range" in message


# --- mentions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "env", "member"),
    [
        ("<@U123ABC|alice>", SLACK, MemberRef("slack", "U123ABC", "alice")),
        ("<@U123ABC>", SLACK, MemberRef("slack", "U123ABC")),
        ("<@W0ENTERPRISE|bo>", SLACK, MemberRef("slack", "W0ENTERPRISE", "bo")),
        ("<@123456789012>", DISCORD, MemberRef("discord", "123456789012")),
        ("<@!123456789012>", DISCORD, MemberRef("discord", "123456789012")),
        ("@Alice", CONSOLE, MemberRef("console", "alice")),
        ("@alice.b-c_d", CONSOLE, MemberRef("console", "alice.b-c_d")),
        # On a chat platform a plain @name is a display name to look up.
        ("@alice", SLACK, MemberRef("name", "alice")),
        ("@alice", DISCORD, MemberRef("name", "alice")),
    ],
)
def test_member_mentions(typed: str, env: ParseEnv, member: MemberRef) -> None:
    assert parsed(f"/member profile {typed}", env) == ("member profile", {"member": member})
    assert values(f"/chapter president Boston {typed}", env)["member"] == member


@pytest.mark.parametrize("typed", ["alice", "<@alice>", "@", "<#C123|general>", "@al ice"])
def test_not_a_mention(typed: str) -> None:
    message = refusal(f'/member profile "{typed}"', SLACK)
    assert message == f"@member expects a mention like @alice, got {typed!r}."


@pytest.mark.parametrize(
    ("typed", "env", "channel"),
    [
        ("<#C123|general>", SLACK, ChannelRef("slack", "C123", "general")),
        ("<#C123>", SLACK, ChannelRef("slack", "C123")),
        ("<#G0PRIVATE|team>", SLACK, ChannelRef("slack", "G0PRIVATE", "team")),
        ("<#123456789012>", DISCORD, ChannelRef("discord", "123456789012")),
        ("#Boston", CONSOLE, ChannelRef("console", "boston", "Boston")),
    ],
)
def test_channel_mentions(typed: str, env: ParseEnv, channel: ChannelRef) -> None:
    assert scratch_values(f"/poll open Q --for 1d --where {typed}", env)["where"] == channel


def test_not_a_channel() -> None:
    message = refusal("/poll open Q --for 1d --where general", SLACK, SCRATCH)
    assert message == "--where expects a channel like #boston, got 'general'."


def test_typed_mention_tokens_are_stripped_so_they_cannot_forge_a_mention() -> None:
    forged = mention(1)
    assert OPEN in forged and CLOSE in forged
    got = values(f'/chapter meeting Boston working 2026-03-14 "{forged} was here"')
    assert got["topic"] == "m1 was here"
    assert member_ids(got["topic"]) == set()
    # The delimiters vanish wherever they are typed, even inside a command name.
    assert parsed(f"/chap{OPEN}ter li{CLOSE}st") == ("chapter list", {})
    assert values(f"/chapter info {OPEN}Boston{CLOSE}") == {"chapter": "Boston"}


# --- length ------------------------------------------------------------------------------


def test_overlong_input_is_refused_before_anything_else() -> None:
    typed = "/chapter info " + "B" * (MAX_TEXT - len("/chapter info "))
    assert len(typed) == MAX_TEXT
    assert values(typed) == {"chapter": "B" * (MAX_TEXT - 14)}
    message = refusal(typed + "B")
    assert message == f"That command is {MAX_TEXT + 1} characters long; at most {MAX_TEXT}."
    # Even text that could never parse is measured first.
    assert refusal('"' * (MAX_TEXT * 2)).startswith("That command is 8000 characters long")


# --- bind_values: typed options, as Discord sends them -------------------------------------


def spec_for(path: str, registry: Registry = REGISTRY) -> CommandSpec:
    group, _, name = path.partition(" ")
    spec = registry.get(group, name or None)
    assert spec is not None, path
    return spec


def parsed_path(typed: str) -> str:
    words = typed.lstrip("/").split()
    return " ".join(words[:2]) if REGISTRY.get(words[0], None) is None else words[0]


EQUIVALENT = [
    (
        '/chapter meeting Boston working 2026-03-14 "Ethics of AI" --attendance 18',
        {
            "chapter": "Boston",
            "kind": "working",
            "day": "2026-03-14",
            "topic": "Ethics of AI",
            "attendance": "18",
        },
    ),
    (
        "/chapter meeting “New York” Social tuesday ‘Summer picnic’",
        {"chapter": "New York", "kind": "Social", "day": "tuesday", "topic": "Summer picnic"},
    ),
    (
        '/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles',
        {"name": "Los Angeles", "region": "North America", "tz": "America/Los_Angeles"},
    ),
    ("/member forget --confirm", {"confirm": "true"}),
    ("/member forget", {"confirm": "false"}),
    ("/member forget", {}),
    ("/member join", {}),
    ("/help chapter meeting", {"command": "chapter meeting"}),
    ("/help", {}),
    ("/audit 50", {"count": "50"}),
    ("/audit", {}),
    ("/member profile <@123456789012>", {"member": "<@123456789012>"}),
    ("/role grant @grace HQ", {"member": "@grace", "role": "HQ"}),
]


@pytest.mark.parametrize(("typed", "given"), EQUIVALENT)
@pytest.mark.parametrize("env", [CONSOLE, DISCORD], ids=["console", "discord"])
def test_bind_values_matches_text_parsing(typed: str, given: dict[str, str], env: ParseEnv) -> None:
    spec, from_text = parse(REGISTRY, typed, env)
    assert bind_values(spec, given, env) == from_text


@pytest.mark.parametrize(
    ("typed", "given"),
    [
        (
            "/chapter meeting Boston working 2026-03-14 Talk --attendance lots",
            {
                "chapter": "Boston",
                "kind": "working",
                "day": "2026-03-14",
                "topic": "Talk",
                "attendance": "lots",
            },
        ),
        (
            "/chapter meeting Boston weekly 2026-03-14 Talk",
            {"chapter": "Boston", "kind": "weekly", "day": "2026-03-14", "topic": "Talk"},
        ),
        (
            "/chapter meeting Boston working someday Talk",
            {"chapter": "Boston", "kind": "working", "day": "someday", "topic": "Talk"},
        ),
        ("/chapter create Oslo --tz UTC", {"name": "Oslo", "tz": "UTC"}),
        ("/chapter info", {}),
    ],
)
def test_bind_values_refuses_with_the_same_words_as_text(typed: str, given: dict[str, str]) -> None:
    spec = spec_for(parsed_path(typed))
    expected = refusal(typed, DISCORD)
    with pytest.raises(BadArgument) as raised:
        bind_values(spec, given, DISCORD)
    assert str(raised.value) == expected


def test_bind_values_reports_a_missing_value_instead_of_shifting_the_others() -> None:
    spec = spec_for("chapter meeting")
    given = {"chapter": "Boston", "kind": "working", "topic": "Talk"}
    with pytest.raises(BadArgument) as raised:
        bind_values(spec, given, DISCORD)
    assert str(raised.value).startswith("Missing DATE. Usage: /chapter meeting")


def test_bind_values_refuses_an_unknown_name() -> None:
    with pytest.raises(BadArgument) as raised:
        bind_values(spec_for("chapter info"), {"chapter": "Boston", "colour": "red"}, DISCORD)
    assert str(raised.value) == "/chapter info has no option 'colour'."


def test_bind_values_takes_typed_text_literally() -> None:
    spec = spec_for("chapter meeting")
    given = {
        "chapter": "Boston",
        "kind": "working",
        "day": "2026-03-14",
        "topic": "--attendance \"five\" 'quotes' ",
    }
    assert bind_values(spec, given, DISCORD)["topic"] == "--attendance \"five\" 'quotes'"


def test_bind_values_strips_mention_tokens_too() -> None:
    spec = spec_for("chapter meeting")
    given = {
        "chapter": "Boston",
        "kind": "working",
        "day": "2026-03-14",
        "topic": f"{mention(7)} says hi",
    }
    topic = bind_values(spec, given, DISCORD)["topic"]
    assert topic == "m7 says hi"
    assert OPEN not in topic and CLOSE not in topic
    region = bind_values(
        spec_for("chapter create"), {"name": "X", "region": mention(3), "tz": "UTC"}, DISCORD
    )["region"]
    assert member_ids(region) == set()


def test_bind_values_for_durations_and_points_in_time() -> None:
    spec = spec_for("poll open", SCRATCH)
    given = {"question": "Lunch?", "for_": "48h", "until": "2026-06-20T18:00"}
    text = "/poll open Lunch? --for 48h --until 2026-06-20T18:00"
    assert bind_values(spec, given, SLACK) == parse(SCRATCH, text, SLACK)[1]


# --- properties --------------------------------------------------------------------------


def assert_parses_or_refuses_in_one_line(registry: Registry, text: str, env: ParseEnv) -> None:
    try:
        spec, got = parse(registry, text, env)
    except UserError as error:
        message = str(error)
        assert message and len(message.splitlines()) == 1, repr(message)
        event(f"refused: {message.split(' ')[0]}")
    else:
        event("parsed")
        assert isinstance(spec, CommandSpec)
        assert set(got) == {p.name for p in spec.params}


ENVS = st.sampled_from(
    [CONSOLE, SLACK, DISCORD, ParseEnv("slack", START, ZoneInfo("Pacific/Kiritimati"))]
)


@PROPERTY
@given(text=st.text(), env=ENVS)
def test_any_text_parses_or_is_refused_in_one_line(text: str, env: ParseEnv) -> None:
    assert_parses_or_refuses_in_one_line(REGISTRY, text, env)


QUOTE_PAIRS = [('"', '"'), ("“", "”"), ("”", "”"), ("„", "“"), ("«", "»"), ("'", "'"), ("‘", "’")]
VALUES = st.one_of(
    st.sampled_from([*"\"'“”‘’„«»", "'s", "’t", "Women's", "don’t"]),
    st.sampled_from(["--", "--x", "--attendance=", "—attendance", "=", "--region=“", "-"]),
    st.sampled_from(["working", "SOCIAL", "on", "off", "hq", "moderator", "Boston"]),
    st.integers(-(10**12), 10**12).map(str),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat),
    st.sampled_from(["today", "yesterday", "tomorrow", "tuesday", "last", "next", "this"]),
    st.sampled_from(["90m", "48h", "3d", "2w", "0m", "6y", "1.5h", "9" * 30 + "d", "1e9w"]),
    st.sampled_from(["<@U123ABC|alice>", "<@U1>", "<@123456789012>", "<@!1>", "@bob", "@"]),
    st.sampled_from(["<#C123|general>", "<#123456789012>", "#boston", "<#", ">", "|"]),
    st.sampled_from([OPEN, CLOSE, mention(1), "\n", "\u2028", "\x85", "\t", "\x00"]),
    st.text(max_size=6),
)
SEPARATORS = st.sampled_from([" ", " ", " ", "", "  ", "\n", "\t"])


@st.composite
def commandlike(draw: st.DrawFn) -> tuple[Registry, str]:
    """A real command name (mostly) followed by options, values and quotes of every kind."""
    registry = draw(st.sampled_from([REGISTRY, SCRATCH]))
    spec = draw(st.sampled_from(list(registry)))
    flags = [p.flag for p in spec.params if not p.positional] + ["--bogus"]
    piece = st.one_of(
        VALUES,
        st.sampled_from(flags),
        st.builds(lambda f, v: f"{f}={v}", st.sampled_from(flags), VALUES),
        st.builds(lambda q, v: f"{q[0]}{v}{q[1]}", st.sampled_from(QUOTE_PAIRS), VALUES),
    )
    if draw(st.integers(0, 9)):
        text = draw(st.sampled_from([f"/{spec.path}", f"/{spec.path}".upper(), spec.path])) + " "
    else:
        text = draw(VALUES)
    for part in draw(st.lists(piece, max_size=10)):
        text += draw(SEPARATORS) + part
    return registry, text


@PROPERTY
@given(case=commandlike(), env=ENVS)
def test_commandlike_text_parses_or_is_refused_in_one_line(
    case: tuple[Registry, str], env: ParseEnv
) -> None:
    assert_parses_or_refuses_in_one_line(*case, env)


@PROPERTY
@given(
    given=st.dictionaries(
        st.sampled_from(["chapter", "kind", "day", "topic", "attendance"]),
        st.one_of(st.text(), VALUES),
    ),
    env=ENVS,
)
def test_any_typed_values_bind_or_are_refused_in_one_line(
    given: dict[str, str], env: ParseEnv
) -> None:
    try:
        got = bind_values(spec_for("chapter meeting"), given, env)
    except UserError as error:
        assert len(str(error).splitlines()) == 1
    else:
        assert not any(OPEN in str(v) or CLOSE in str(v) for v in got.values())


DOUBLE_QUOTES = [('"', '"'), ("“", "”"), ("”", "”"), ("„", "“"), ("«", "»")]
SINGLE_QUOTES = [("'", "'"), ("‘", "’")]
ALL_QUOTES = frozenset("\"'“”‘’„«»")
SAFE = st.characters(exclude_categories=["Cs", "Co"], exclude_characters=ALL_QUOTES)
PLAIN = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)
WHITESPACE = st.sampled_from([" ", "  ", "\t", "\n", " \u3000 "])


def phrase(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Non-empty text with no outer whitespace, as a parameter ends up after conversion."""
    return st.text(alphabet, min_size=1, max_size=30).map(str.strip).filter(bool)


def apostrophes_only(text: str) -> bool:
    """Every single quote in `text` sits between two letters, as in Women's."""
    return all(
        0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        for i, c in enumerate(text)
        if c in "'’"
    )


@st.composite
def quoted(draw: st.DrawFn, text: str) -> str:
    """`text` in a quote that nothing inside it would close."""
    kinds = []
    if not any(c in text for c in '"“”«»„'):
        kinds += DOUBLE_QUOTES
    if apostrophes_only(text):
        kinds += SINGLE_QUOTES
    opening, closing = draw(st.sampled_from(kinds))
    return f"{opening}{text}{closing}"


@st.composite
def topics(draw: st.DrawFn) -> str:
    """Free text, or words with quotes of some kind and an apostrophe inside a word."""
    if draw(st.booleans()):
        return draw(phrase(SAFE))
    first, second, third = draw(PLAIN), draw(PLAIN), draw(PLAIN)
    opening, closing = draw(st.sampled_from([("", ""), *DOUBLE_QUOTES, *SINGLE_QUOTES]))
    apostrophe = draw(st.sampled_from(["'", "’"]))
    return f"{first}{apostrophe}s {opening}{second}{closing} {third}"


@st.composite
def meeting_command(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid `/chapter meeting` as someone might type it, and the values it means."""
    kind = draw(st.sampled_from(["working", "social"]))
    day = draw(st.dates())
    attendance = draw(st.none() | st.integers(-999_999_999, 999_999_999))
    expected = {
        "chapter": draw(phrase(SAFE) | PLAIN),
        "kind": kind,
        "day": day,
        "topic": draw(topics()),
        "attendance": attendance,
    }
    chapter = expected["chapter"]
    words = [
        chapter if chapter.isalnum() else draw(quoted(chapter)),
        draw(st.sampled_from([kind, kind.upper(), kind.title()])),
        day.isoformat(),
        draw(quoted(expected["topic"])),
    ]
    if attendance is not None:
        forms = ["--attendance {}", "--attendance={}", "--Attendance {}", "—attendance {}"]
        option = draw(st.sampled_from(forms)).format(attendance)
        words.insert(draw(st.integers(0, len(words))), option)
    return "/chapter meeting " + draw(WHITESPACE).join(words), expected


@PROPERTY
@given(case=meeting_command())
def test_meeting_arguments_round_trip_through_text(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    assert parsed(text, SLACK) == ("chapter meeting", expected)


@PROPERTY
@given(words=st.lists(PLAIN, min_size=1, max_size=6), gap=WHITESPACE)
def test_unquoted_topic_words_are_joined_with_single_spaces(words: list[str], gap: str) -> None:
    got = values(f"/chapter meeting Boston working 2026-03-14 {gap.join(words)}")
    assert got["topic"] == " ".join(words)


def test_unquoted_words_after_an_option_are_not_swallowed_by_the_trailing_text() -> None:
    """`--chapters Washington DC,Boston` unquoted: DC,Boston belongs to the option the
    user meant, not to the announcement's text; say so instead of guessing."""
    with pytest.raises(BadArgument, match="quote a value that has spaces"):
        values('/announce "Hello" --chapters Washington DC,Boston')
    assert values('/announce "Hello" --chapters "Washington DC,Boston"')["chapters"] == (
        "Washington DC,Boston"
    )
    assert values("/chapter info Washington DC")["chapter"] == "Washington DC"
    assert values("/announce --platform slack Hello there")["text"] == "Hello there"
