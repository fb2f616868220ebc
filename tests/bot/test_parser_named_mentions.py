"""A platform mention whose name holds spaces is one word to the parser."""

from __future__ import annotations

from bot.parser import tokenize


def test_a_named_mention_with_spaces_is_one_token() -> None:
    words = [t.text for t in tokenize("president Boston <@U0KLAUS|Klaus Becker> --x 1")]
    assert words == ["president", "Boston", "<@U0KLAUS|Klaus Becker>", "--x", "1"]
    channel = [t.text for t in tokenize("unbind Mentoring <#C0MENTOR|mentors lounge>")]
    assert channel == ["unbind", "Mentoring", "<#C0MENTOR|mentors lounge>"]


def test_without_a_name_the_words_split_as_before() -> None:
    assert [t.text for t in tokenize("<@U1> and <b> c>")] == ["<@U1>", "and", "<b>", "c>"]
    assert [t.text for t in tokenize("<@U1 x|y>")] == ["<@U1", "x|y>"]
