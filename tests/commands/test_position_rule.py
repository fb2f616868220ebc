"""The position decision rule: hand-checked cases, settings, wording, and properties."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from commands.positions.rule import (
    Outcome,
    Rule,
    Stance,
    Tally,
    decide,
    describe,
    fraction_text,
    tally,
    what_is_missing,
)

A, D, X = Stance.AGREE, Stance.DISAGREE, Stance.ABSTAIN
DEFAULT = Rule()
EIGHT = range(1, 9)


def of_eight(*stances: Stance) -> Tally:
    """Chapters 1..8 active; the given stances are chapters 1, 2, 3… in order."""
    return tally(dict(enumerate(stances, start=1)), EIGHT, DEFAULT)


# Hand-checked cases ---------------------------------------------------------------


def test_four_agreeing_of_eight_adopt() -> None:
    t = of_eight(A, A, A, A)
    assert (t.active, t.checked_in, t.agree, t.disagree, t.abstain) == (8, 4, 4, 0, 0)
    assert (t.quorum_needed, t.quorum_met, t.agree_needed, t.supermajority_met) == (
        4,
        True,
        3,
        True,
    )
    assert t.adopted
    assert decide(t, at_deadline=False) is Outcome.ADOPTED
    assert decide(t, at_deadline=True) is Outcome.ADOPTED
    assert what_is_missing(t) == []


def test_three_of_eight_need_one_more_chapter() -> None:
    t = of_eight(A, A, A)
    assert (t.quorum_needed, t.quorum_met, t.supermajority_met, t.adopted) == (
        4,
        False,
        True,
        False,
    )
    assert what_is_missing(t) == ["needs 1 more chapter to reach quorum"]
    assert decide(t, at_deadline=False) is Outcome.OPEN
    assert decide(t, at_deadline=True) is Outcome.EXPIRED


def test_even_split_is_open_then_rejected() -> None:
    t = of_eight(A, A, D, D)
    assert t.quorum_met and not t.supermajority_met
    assert t.agree_needed == 3  # ⌈⅔ × 4⌉ of the current non-abstaining
    assert t.agree_short == 2  # a new agreeing chapter also grows the base: 3 of 5 < ⅔
    assert decide(t, at_deadline=False) is Outcome.OPEN
    assert decide(t, at_deadline=True) is Outcome.REJECTED
    assert what_is_missing(t) == ["needs 2 more agreeing chapters"]


def test_agree_short_is_exactly_enough() -> None:
    t = of_eight(A, A, D, D)
    assert not of_eight(A, A, D, D, A).supermajority_met
    assert of_eight(A, A, D, D, A, A).supermajority_met
    assert t.agree_short == 2


def test_all_abstaining_is_not_adopted() -> None:
    t = of_eight(X, X, X, X)
    assert t.quorum_met
    assert not t.supermajority_met and not t.adopted
    assert decide(t, at_deadline=False) is Outcome.OPEN
    assert decide(t, at_deadline=True) is Outcome.REJECTED
    assert what_is_missing(t) == ["needs 1 more agreeing chapter"]


def test_all_abstaining_without_quorum_expires() -> None:
    t = of_eight(X, X)
    assert decide(t, at_deadline=True) is Outcome.EXPIRED


def test_zero_active_chapters_cannot_meet_quorum() -> None:
    t = tally({1: A, 2: A}, [], DEFAULT)
    assert (t.active, t.checked_in, t.agree) == (0, 0, 0)
    assert not t.quorum_met and not t.adopted
    assert decide(t, at_deadline=False) is Outcome.OPEN
    assert decide(t, at_deadline=True) is Outcome.EXPIRED
    assert what_is_missing(t) == ["no active chapters, so quorum cannot be met"]


def test_retiring_a_chapter_changes_both_quorum_and_tally() -> None:
    stances = {1: A, 2: A, 3: D, 4: D, 5: A, 6: X}
    before = tally(stances, range(1, 11), DEFAULT)
    assert (before.active, before.quorum_needed, before.checked_in) == (10, 5, 6)
    assert (before.agree, before.disagree, before.abstain) == (3, 2, 1)
    assert before.quorum_met and not before.supermajority_met  # 3 of 5 < ⅔
    # Chapter 4 is retired while the position is open: its "disagree" no longer
    # counts, and the quorum base shrinks from 10 to 9 (⌈9/2⌉ = 5).
    after = tally(stances, [c for c in range(1, 11) if c != 4], DEFAULT)
    assert (after.active, after.quorum_needed, after.checked_in) == (9, 5, 5)
    assert (after.agree, after.disagree, after.abstain) == (3, 1, 1)
    assert after.adopted


def test_retirements_can_bring_the_quorum_within_reach() -> None:
    stances = {1: A, 2: A}
    assert tally(stances, range(1, 6), DEFAULT).quorum_needed == 3
    assert not tally(stances, range(1, 6), DEFAULT).adopted
    assert tally(stances, range(1, 5), DEFAULT).adopted  # 2 of 4 active is half


def test_exactly_two_thirds_is_met() -> None:
    t = of_eight(A, A, D, X)
    assert (t.agree, t.disagree, t.agree_needed) == (2, 1, 2)
    assert t.supermajority_met and t.adopted


def test_one_agree_three_abstain_adopts() -> None:
    t = of_eight(A, X, X, X)
    assert t.quorum_needed == 4 and t.quorum_met
    assert t.non_abstaining == 1 and t.agree_needed == 1 and t.supermajority_met
    assert decide(t, at_deadline=False) is Outcome.ADOPTED


def test_a_new_disagreeing_check_in_can_complete_the_quorum() -> None:
    # The quorum paradox, on purpose: the fourth chapter completes the quorum
    # and 3 of 4 agreeing is still ≥ ⅔.
    assert not of_eight(A, A, A).adopted
    assert of_eight(A, A, A, D).adopted


def test_odd_active_counts_round_the_quorum_up() -> None:
    assert tally({}, range(7), DEFAULT).quorum_needed == 4
    assert tally({}, range(1), DEFAULT).quorum_needed == 1
    assert tally({}, range(3), Rule(Fraction(2, 3))).quorum_needed == 2
    assert tally({}, range(4), Rule(Fraction(2, 3))).quorum_needed == 3


def test_unanimity_rule() -> None:
    unanimous = Rule(supermajority=Fraction(1))
    t = tally({1: A, 2: A, 3: D}, range(1, 5), unanimous)
    assert t.quorum_met and not t.supermajority_met
    assert t.agree_short is None
    assert what_is_missing(t) == [
        "cannot reach the supermajority unless disagreeing chapters change their stance"
    ]
    assert tally({1: A, 2: A, 3: X}, range(1, 5), unanimous).adopted


def test_stances_given_as_plain_strings_count() -> None:
    t = tally({1: "agree", 2: "disagree"}, [1, 2], DEFAULT)  # type: ignore[dict-item]
    assert (t.agree, t.disagree) == (1, 1)


def test_duplicate_active_ids_count_once() -> None:
    assert tally({1: A}, [1, 1, 2, 2], DEFAULT).active == 2


def test_a_tally_cannot_count_more_than_the_active_chapters() -> None:
    with pytest.raises(ValueError, match="only 2 are active"):
        Tally(active=2, agree=2, disagree=1, abstain=0)
    with pytest.raises(ValueError, match="fewer than no"):
        Tally(active=2, agree=-1, disagree=0, abstain=0)


# Rule and Rule.parse ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1/2", Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("2/3", Fraction(2, 3)),
        (" 2 / 3 ", Fraction(2, 3)),
        ("4/6", Fraction(2, 3)),
        ("67%", Fraction(67, 100)),
        ("66.5%", Fraction(133, 200)),
        ("100%", Fraction(1)),
        ("1", Fraction(1)),
        ("⅔", Fraction(2, 3)),
        ("¾", Fraction(3, 4)),
    ],
)
def test_parse_forms(text: str, value: Fraction) -> None:
    assert Rule.parse("1/2", text).supermajority == value
    assert Rule.parse(text, "1").quorum == value


def test_parse_defaults_match_the_default_rule() -> None:
    assert Rule.parse("1/2", "2/3") == Rule() == DEFAULT


def test_sixty_seven_percent_is_not_two_thirds() -> None:
    rule = Rule.parse("1/2", "67%")
    assert rule != DEFAULT
    assert not tally({1: A, 2: A, 3: D}, [1, 2, 3], rule).supermajority_met
    assert tally({1: A, 2: A, 3: D}, [1, 2, 3], DEFAULT).supermajority_met


@pytest.mark.parametrize(
    ("quorum", "supermajority", "message"),
    [
        ("", "2/3", "quorum '' is not a share"),
        ("half", "2/3", "quorum 'half' is not a share"),
        ("-1/2", "2/3", "is not a share"),
        ("1e-1", "2/3", "is not a share"),
        ("nan", "2/3", "is not a share"),
        ("1/2", "inf", "supermajority 'inf' is not a share"),
        ("1/0", "2/3", "divides by zero"),
        ("0", "2/3", "quorum must be more than 0 and at most 1, not 0"),
        ("0%", "2/3", "quorum must be more than 0"),
        ("3/2", "2/3", "quorum must be more than 0 and at most 1, not 3/2"),
        ("110%", "2/3", "quorum must be more than 0"),
        ("1/2", "1/3", "supermajority must be at least 1/2 and at most 1, not ⅓"),
        ("1/2", "0.49", "supermajority must be at least 1/2"),
        ("1/2", "101%", "supermajority must be at least 1/2 and at most 1, not 101/100"),
    ],
)
def test_parse_refusals(quorum: str, supermajority: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        Rule.parse(quorum, supermajority)
    assert "\n" not in str(refused.value)


def test_rule_bounds_are_inclusive() -> None:
    assert Rule(Fraction(1), Fraction(1, 2)).supermajority == Fraction(1, 2)
    assert Rule(Fraction(1, 100), Fraction(1)).quorum == Fraction(1, 100)


def test_rule_refuses_inexact_numbers_and_normalises_ints() -> None:
    with pytest.raises(TypeError, match="not float"):
        Rule(quorum=0.5)  # type: ignore[arg-type]
    rule = Rule(quorum=1, supermajority=1)  # type: ignore[arg-type]
    assert type(rule.quorum) is Fraction and rule == Rule(Fraction(1), Fraction(1))


def test_half_supermajority_lets_a_tie_adopt() -> None:
    assert tally({1: A, 2: D}, [1, 2], Rule(supermajority=Fraction(1, 2))).adopted


# Wording ------------------------------------------------------------------------------


def test_describe_adopted() -> None:
    assert describe(of_eight(A, A, A, D)) == (
        "4 of 8 active chapters checked in (quorum 4: met) · 3 agree, 1 disagree, 0 abstain"
        " · supermajority ⅔ of non-abstaining: met → adopted"
    )


def test_describe_short_of_quorum() -> None:
    assert describe(tally({1: A, 2: D}, EIGHT, DEFAULT)) == (
        "2 of 8 active chapters checked in (quorum 4: not met) · 1 agree, 1 disagree, 0 abstain"
        " · supermajority ⅔ of non-abstaining: not met"
        " → needs 2 more chapters to reach quorum; needs 1 more agreeing chapter;"
        " would expire at the deadline"
    )


def test_describe_would_be_rejected() -> None:
    assert describe(of_eight(A, A, D, D)).endswith(
        "supermajority ⅔ of non-abstaining: not met"
        " → needs 2 more agreeing chapters; would be rejected at the deadline"
    )


def test_describe_singular_and_zero_chapters() -> None:
    assert describe(tally({}, [7], DEFAULT)).startswith(
        "0 of 1 active chapter checked in (quorum 1: not met)"
    )
    assert describe(tally({}, [], DEFAULT)) == (
        "0 of 0 active chapters checked in (no quorum possible) · 0 agree, 0 disagree, 0 abstain"
        " · supermajority ⅔ of non-abstaining: not met"
        " → no active chapters, so quorum cannot be met; would expire at the deadline"
    )


def test_describe_other_rules() -> None:
    three_fifths = Rule(Fraction(3, 4), Fraction(3, 5))
    line = describe(tally({1: A, 2: A, 3: D}, range(1, 5), three_fifths))
    assert line.startswith("3 of 4 active chapters checked in (quorum 3: met)")
    assert "supermajority ⅗ of non-abstaining: met → adopted" in line
    odd = Rule(supermajority=Fraction(7, 11))
    assert "supermajority 7/11 of non-abstaining" in describe(tally({}, [1], odd))
    unanimous = Rule(supermajority=Fraction(1))
    assert "unanimity of non-abstaining" in describe(tally({}, [1], unanimous))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 2), "½"),
        (Fraction(2, 3), "⅔"),
        (Fraction(3, 4), "¾"),
        (Fraction(3, 5), "⅗"),
        (Fraction(5, 7), "5/7"),
        (Fraction(67, 100), "67/100"),
        (Fraction(1), "1"),
    ],
)
def test_fraction_text(value: Fraction, text: str) -> None:
    assert fraction_text(value) == text


# Properties ------------------------------------------------------------------------------

EXAMPLES = settings(
    max_examples=400,
    deadline=None,
    # `pick` drops examples with no chapter of the wanted kind; that is expected, and
    # must not fail a run on a slow machine as "filtering too much".
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@st.composite
def shares(draw: st.DrawFn, at_least: Fraction) -> Fraction:
    """An exact share in [at_least, 1] (above 0), with a small denominator."""
    denominator = draw(st.integers(min_value=1, max_value=12))
    lowest = max(1, math.ceil(at_least * denominator))
    return Fraction(draw(st.integers(min_value=lowest, max_value=denominator)), denominator)


rules = st.builds(Rule, shares(Fraction(0)), shares(Fraction(1, 2))) | st.just(DEFAULT)
stance_values = st.sampled_from(list(Stance))


Situation = tuple[dict[int, Stance], frozenset[int], Rule]


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """Chapters 0..n-1, each active or retired, each with a stance or none yet."""
    chapters = draw(
        st.lists(st.tuples(st.booleans(), st.none() | stance_values), min_size=0, max_size=30)
    )
    active = frozenset(c for c, (is_active, _) in enumerate(chapters) if is_active)
    stances = {c: stance for c, (_, stance) in enumerate(chapters) if stance is not None}
    return stances, active, draw(rules)


def pick(data: st.DataObject, chapters: Iterable[int]) -> int:
    """One of the given chapters; the example is dropped when there is none."""
    choices = sorted(chapters)
    assume(choices)
    return data.draw(st.sampled_from(choices))


def brute_force(
    stances: dict[int, Stance], active: frozenset[int], rule: Rule, *, at_deadline: bool
) -> Outcome:
    """The rule restated with integer cross-multiplication and loops, no Fraction maths."""
    counted = [s for c, s in stances.items() if c in active]
    agree = sum(1 for s in counted if s == "agree")
    disagree = sum(1 for s in counted if s == "disagree")
    qn, qd = rule.quorum.numerator, rule.quorum.denominator
    sn, sd = rule.supermajority.numerator, rule.supermajority.denominator
    quorum = len(active) > 0 and len(counted) * qd >= qn * len(active)
    sides = agree + disagree
    supermajority = sides > 0 and agree * sd >= sn * sides
    if quorum and supermajority:
        return Outcome.ADOPTED
    if not at_deadline:
        return Outcome.OPEN
    return Outcome.REJECTED if quorum else Outcome.EXPIRED


@EXAMPLES
@given(situations(), st.booleans())
def test_decide_matches_brute_force(situation: Situation, at_deadline: bool) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    assert decide(t, at_deadline=at_deadline) is brute_force(
        stances, active, rule, at_deadline=at_deadline
    )


@EXAMPLES
@given(situations())
def test_thresholds_are_the_smallest_whole_numbers(
    situation: Situation,
) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    q, s = rule.quorum, rule.supermajority
    assert t.quorum_needed == min(k for k in range(1, t.active + 2) if k >= q * t.active)
    sides = t.agree + t.disagree
    assert t.agree_needed == min(k for k in range(1, sides + 2) if k >= s * sides)
    assert t.quorum_needed == max(1, math.ceil(q * t.active))


@EXAMPLES
@given(situations())
def test_agree_short_is_the_least_number_of_new_agreeing_chapters(
    situation: Situation,
) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    short = t.agree_short

    def with_more(k: int) -> Tally:
        return Tally(t.active + k, t.agree + k, t.disagree, t.abstain, rule)

    if short is None:
        assert rule.supermajority == 1 and t.disagree > 0
        assert not any(with_more(k).supermajority_met for k in range(40))
    else:
        assert with_more(short).supermajority_met
        assert not any(with_more(k).supermajority_met for k in range(short))


@EXAMPLES
@given(situations())
def test_adopted_under_the_default_rule_means_half_and_two_thirds(
    situation: Situation,
) -> None:
    stances, active, _ = situation
    t = tally(stances, active, DEFAULT)
    if t.adopted:
        assert t.quorum_met
        assert 2 * t.checked_in >= t.active > 0
        assert t.agree * 3 >= 2 * (t.agree + t.disagree)
        assert t.agree > 0


@EXAMPLES
@given(situations(), st.data())
def test_an_agreeing_check_in_never_hurts(situation: Situation, data: st.DataObject) -> None:
    stances, active, rule = situation
    chapter = pick(data, active)
    before = tally(stances, active, rule)
    after = tally({**stances, chapter: A}, active, rule)
    assert after.adopted or not before.adopted
    assert after.quorum_needed - after.checked_in <= before.quorum_needed - before.checked_in
    assert after.supermajority_met or not before.supermajority_met


@EXAMPLES
@given(situations(), st.data())
def test_changing_a_stance_to_disagree_never_adopts(
    situation: Situation, data: st.DataObject
) -> None:
    stances, active, rule = situation
    chapter = pick(data, active & stances.keys())
    before = tally(stances, active, rule)
    after = tally({**stances, chapter: D}, active, rule)
    assert before.adopted or not after.adopted


@EXAMPLES
@given(situations(), st.data())
def test_an_agreeing_chapter_abstaining_instead_never_adopts(
    situation: Situation, data: st.DataObject
) -> None:
    stances, active, rule = situation
    chapter = pick(data, {c for c in active if stances.get(c) == A})
    before = tally(stances, active, rule)
    after = tally({**stances, chapter: X}, active, rule)
    assert before.adopted or not after.adopted


def test_a_disagreeing_chapter_abstaining_instead_can_adopt() -> None:
    # It leaves the supermajority's base: 2 agree, 2 disagree → 2 agree, 1 disagree.
    assert not of_eight(A, A, D, D).adopted
    assert of_eight(A, A, D, X).adopted


@EXAMPLES
@given(situations(), st.data())
def test_a_new_disagreeing_check_in_only_adopts_by_completing_the_quorum(
    situation: Situation, data: st.DataObject
) -> None:
    stances, active, rule = situation
    chapter = pick(data, active - stances.keys())
    before = tally(stances, active, rule)
    after = tally({**stances, chapter: D}, active, rule)
    if after.adopted and not before.adopted:
        assert not before.quorum_met and after.quorum_met
        assert before.supermajority_met


@EXAMPLES
@given(situations())
def test_the_deadline_always_settles(
    situation: Situation,
) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    outcome = decide(t, at_deadline=True)
    assert outcome is not Outcome.OPEN
    assert (outcome is Outcome.EXPIRED) == (not t.quorum_met)
    before = decide(t, at_deadline=False)
    assert before in (Outcome.OPEN, Outcome.ADOPTED)
    assert (before is Outcome.ADOPTED) == (outcome is Outcome.ADOPTED)


@EXAMPLES
@given(
    situations(),
    st.dictionaries(st.integers(min_value=100, max_value=200), stance_values, max_size=10),
)
def test_inactive_chapters_never_change_the_tally(
    situation: Situation, outsiders: dict[int, Stance]
) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    assert tally({**stances, **outsiders}, active, rule) == t
    retired = {c: s for c, s in stances.items() if c not in active}
    kept = {c: s for c, s in stances.items() if c in active}
    assert tally(kept, active, rule) == t
    flipped = {c: (D if s == A else A) for c, s in retired.items()}
    assert tally({**kept, **flipped}, active, rule) == t


@EXAMPLES
@given(situations())
def test_wording_agrees_with_the_numbers(
    situation: Situation,
) -> None:
    stances, active, rule = situation
    t = tally(stances, active, rule)
    missing = what_is_missing(t)
    line = describe(t)
    assert "\n" not in line
    assert (missing == []) == t.adopted
    assert line.endswith("→ adopted") == t.adopted
    if not t.adopted:
        ending = "would be rejected" if t.quorum_met else "would expire"
        assert line.endswith(f"{ending} at the deadline")
    if t.active and not t.quorum_met:
        short = t.quorum_needed - t.checked_in
        noun = "chapter" if short == 1 else "chapters"
        assert f"needs {short} more {noun} to reach quorum" in missing
    for phrase in missing:
        assert not re.search(r"\b1 more (agreeing )?chapters\b", phrase)
        assert not re.search(r"\b([02-9]|\d\d+) more (agreeing )?chapter\b", phrase)
