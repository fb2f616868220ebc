"""The decision rule for a position: when the chapters' stances adopt it, and when not.

Kept free of I/O so that the same few lines decide a position at every check-in, at
the deadline, and in `/position show`, and so the wording a member reads is derived
from the very numbers that decide.

The rule
--------
A position is *adopted* when both hold:

* quorum: the chapters that checked in are at least `quorum` (default ½) of the
  chapters that are active at that moment; and
* supermajority: the agreeing chapters are at least `supermajority` (default ⅔) of
  the chapters that checked in and did not abstain.

It is evaluated at every check-in and once more at the deadline. A position that is
adopted stays adopted; one that is not adopted by the deadline is *rejected* if the
quorum was met (the chapters spoke and did not agree enough) and *expires* if it was
not (too few chapters spoke for silence to mean no).

Why these details
-----------------
* Arithmetic is exact (`Fraction`, then whole numbers): "at least ⅔" of 3 chapters
  must be 2, not "1.9999…". Every threshold is turned into a whole number of
  chapters with a ceiling, so "needs 1 more chapter" is literally true.
* Only stances of chapters active at the moment of evaluation count, and the quorum
  base is the active chapters at that moment: a chapter retired while the position
  is open drops out of both, so a dissolved chapter cannot keep voting, and cannot
  make a quorum unreachable either.
* Abstentions count towards the quorum (the chapter did debate it) but not towards
  the supermajority. If every chapter that checked in abstained, nobody took a side
  and the supermajority is not met: a position is never adopted by abstentions.
* With no active chapters at all, the quorum cannot be met: nobody can adopt
  anything on behalf of an empty society.
* The supermajority may not be below ½. Below that, a position and its opposite
  could both be adopted by the same chapters, and a minority could adopt. Exactly ½
  is allowed, and means "at least half": a tie adopts.

One consequence worth knowing: a *new* check-in of any stance — even "disagree" or
"abstain" — can complete the quorum and so adopt a position whose agreeing chapters
were already enough. That is what a quorum means; it is not a bug. Changing an
existing check-in to "disagree", or from "agree" to "abstain", never adopts; but a
disagreeing chapter that changes to "abstain" leaves the supermajority's base, and
that can adopt.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from numbers import Rational

from commands.text import plural

__all__ = [
    "Outcome",
    "Rule",
    "Stance",
    "Tally",
    "decide",
    "describe",
    "fraction_text",
    "tally",
    "what_is_missing",
]


class Stance(StrEnum):
    """What a chapter said about a position at its meeting."""

    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """Where a position stands; only OPEN can still change."""

    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Glyphs members recognise at a glance; anything else is written as "3/5".
_GLYPHS: dict[Fraction, str] = {
    Fraction(1, 2): "½",
    Fraction(1, 3): "⅓",
    Fraction(2, 3): "⅔",
    Fraction(1, 4): "¼",
    Fraction(3, 4): "¾",
    Fraction(1, 5): "⅕",
    Fraction(2, 5): "⅖",
    Fraction(3, 5): "⅗",
    Fraction(4, 5): "⅘",
    Fraction(1, 6): "⅙",
    Fraction(5, 6): "⅚",
    Fraction(1, 7): "⅐",
    Fraction(1, 8): "⅛",
    Fraction(3, 8): "⅜",
    Fraction(5, 8): "⅝",
    Fraction(7, 8): "⅞",
    Fraction(1, 9): "⅑",
    Fraction(1, 10): "⅒",
}
_FROM_GLYPH = {glyph: value for value, glyph in _GLYPHS.items()}

# Plain forms only: "2/3", "0.5", ".5", "1", "67%", "66.7%". Deliberately no signs,
# exponents, "inf" or "nan", which `Fraction(str)` would otherwise let through.
_RATIO = re.compile(r"(\d+)\s*/\s*(\d+)")
_DECIMAL = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(%?)")


def fraction_text(value: Fraction) -> str:
    """½, ⅔, ¾ where a glyph exists, else "3/5" (and "1" for the whole)."""
    if value in _GLYPHS:
        return _GLYPHS[value]
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _ceil_times(share: Fraction, whole: int) -> int:
    """ceil(share × whole) in integers, so a threshold is a whole number of chapters."""
    return -(-share.numerator * whole // share.denominator)


def _exact(name: str, value: object) -> Fraction:
    # A float such as 0.67 is not the number anyone typed; insist on exact values.
    if isinstance(value, bool) or not isinstance(value, Rational):
        raise TypeError(f"{name} must be a Fraction or an int, not {type(value).__name__}")
    return Fraction(value)


def _parse_share(name: str, text: str) -> Fraction:
    raw = text.strip()
    if raw in _FROM_GLYPH:
        return _FROM_GLYPH[raw]
    try:
        if ratio := _RATIO.fullmatch(raw):
            return Fraction(int(ratio[1]), int(ratio[2]))
        if decimal := _DECIMAL.fullmatch(raw):
            value = Fraction(decimal[1])
            return value / 100 if decimal[2] else value
    except ZeroDivisionError:
        raise ValueError(f"{name} {raw[:40]!r} divides by zero") from None
    raise ValueError(f"{name} {raw[:40]!r} is not a share; write it like 1/2, 0.5 or 50%")


@dataclass(frozen=True)
class Rule:
    """The two thresholds a society configures; both exact fractions.

    `quorum` is a share of the active chapters (0 < quorum ≤ 1); `supermajority` is a
    share of the non-abstaining chapters that checked in (½ ≤ supermajority ≤ 1, see
    the module docstring for why not lower).
    """

    quorum: Fraction = Fraction(1, 2)
    supermajority: Fraction = Fraction(2, 3)

    def __post_init__(self) -> None:
        quorum = _exact("quorum", self.quorum)
        supermajority = _exact("supermajority", self.supermajority)
        if not 0 < quorum <= 1:
            raise ValueError(
                f"quorum must be more than 0 and at most 1, not {fraction_text(quorum)}"
            )
        if not Fraction(1, 2) <= supermajority <= 1:
            raise ValueError(
                f"supermajority must be at least 1/2 and at most 1, "
                f"not {fraction_text(supermajority)}"
            )
        # Normalise ints to Fractions so equality and hashing do not depend on input type.
        object.__setattr__(self, "quorum", quorum)
        object.__setattr__(self, "supermajority", supermajority)

    @classmethod
    def parse(cls, quorum: str, supermajority: str) -> Rule:
        """Read the rule from settings text: "1/2", "0.5", "2/3", "67%" or a glyph.

        Values are taken exactly as written: "67%" is 67/100, which is stricter than
        ⅔ (of 3 chapters it needs all 3), so write "2/3" when two-thirds is meant.
        """
        return cls(_parse_share("quorum", quorum), _parse_share("supermajority", supermajority))


@dataclass(frozen=True)
class Tally:
    """The counts that decide a position at one moment, and what they imply.

    Counts are of active chapters only; build it with `tally` rather than by hand.
    """

    active: int
    agree: int
    disagree: int
    abstain: int
    rule: Rule = Rule()

    def __post_init__(self) -> None:
        counts = (self.active, self.agree, self.disagree, self.abstain)
        if min(counts) < 0:
            raise ValueError(f"a tally cannot count fewer than no chapters: {counts}")
        if self.checked_in > self.active:
            raise ValueError(
                f"{plural(self.checked_in, 'chapter')} checked in but only {self.active} are active"
            )

    @property
    def checked_in(self) -> int:
        """Active chapters with a stance, abstentions included."""
        return self.agree + self.disagree + self.abstain

    @property
    def non_abstaining(self) -> int:
        """The base of the supermajority: chapters that took a side."""
        return self.agree + self.disagree

    @property
    def quorum_needed(self) -> int:
        """Chapters that must check in: ceil(quorum × active), and never less than 1.

        The floor of 1 is what makes a society with no active chapters unable to meet
        its quorum, without a special case in `quorum_met`.
        """
        return max(1, _ceil_times(self.rule.quorum, self.active))

    @property
    def quorum_met(self) -> bool:
        return self.checked_in >= self.quorum_needed

    @property
    def agree_needed(self) -> int:
        """Agreeing chapters the supermajority needs, out of the current non-abstaining.

        ceil(supermajority × non-abstaining), and never less than 1, so that with no
        chapter taking a side the supermajority is not met (no adoption by abstention).
        """
        return max(1, _ceil_times(self.rule.supermajority, self.non_abstaining))

    @property
    def supermajority_met(self) -> bool:
        return self.agree >= self.agree_needed

    @property
    def adopted(self) -> bool:
        return self.quorum_met and self.supermajority_met

    @property
    def chapters_short(self) -> int:
        """More check-ins (of any stance) needed to reach the quorum; 0 when met."""
        return max(0, self.quorum_needed - self.checked_in)

    @property
    def agree_short(self) -> int | None:
        """More agreeing check-ins needed for the supermajority, disagreeing chapters holding.

        Not `agree_needed - agree`: a new agreeing chapter also enlarges the
        non-abstaining base, so with 2 agree and 2 disagree at ⅔ it takes 2 more
        agreeing chapters, not 1. Counts chapters that have not checked in or that
        abstained and change to agree. None when no number of them is enough (a
        unanimity rule with someone disagreeing); 0 when the supermajority is met.
        """
        if self.supermajority_met:
            return 0
        share = self.rule.supermajority
        if self.non_abstaining == 0:
            return 1  # one agreeing chapter is ⅔ (or any share ≤ 1) of one
        if share == 1:
            return None  # only disagreeing chapters changing their stance can help
        # agree + k ≥ s·(n + k)  ⇔  k ≥ (s·n − agree) / (1 − s)
        return math.ceil((share * self.non_abstaining - self.agree) / (1 - share))


def tally(stances: Mapping[int, Stance], active: Collection[int], rule: Rule) -> Tally:
    """Count the latest stance of each chapter that is active now; ignore the rest.

    `stances` maps chapter id to that chapter's latest stance; `active` holds the ids
    of the chapters active at the moment of evaluation (retired ones left out).
    """
    members = frozenset(active)
    counts = Counter(Stance(stance) for chapter, stance in stances.items() if chapter in members)
    return Tally(
        active=len(members),
        agree=counts[Stance.AGREE],
        disagree=counts[Stance.DISAGREE],
        abstain=counts[Stance.ABSTAIN],
        rule=rule,
    )


def decide(t: Tally, *, at_deadline: bool) -> Outcome:
    """ADOPTED as soon as the rule is met; at the deadline REJECTED or EXPIRED, else OPEN.

    Rejected needs the quorum: only chapters that spoke can turn a position down;
    when too few spoke the position merely expires and may be brought again.
    """
    if t.adopted:
        return Outcome.ADOPTED
    if not at_deadline:
        return Outcome.OPEN
    return Outcome.REJECTED if t.quorum_met else Outcome.EXPIRED


def what_is_missing(t: Tally) -> list[str]:
    """What still stands between the position and adoption, in members' words.

    Empty when adopted. The quorum comes first, then the supermajority; each phrase
    assumes the chapters that already disagree keep their stance.
    """
    missing: list[str] = []
    if t.active == 0:
        missing.append("no active chapters, so quorum cannot be met")
    elif not t.quorum_met:
        missing.append(f"needs {plural(t.chapters_short, 'more chapter')} to reach quorum")
    if t.supermajority_met:
        return missing
    short = t.agree_short
    free = t.active - t.non_abstaining  # not checked in, or abstaining: could still agree
    if short is None or short > free:
        if t.active > 0:
            missing.append(
                "cannot reach the supermajority unless disagreeing chapters change their stance"
            )
    else:
        missing.append(f"needs {plural(short, 'more agreeing chapter')}")
    return missing


def describe(t: Tally) -> str:
    """One line for `/position show`: the counts, both thresholds, and what follows."""
    if t.active == 0:
        quorum = "no quorum possible"
    else:
        quorum = f"quorum {t.quorum_needed}: {'met' if t.quorum_met else 'not met'}"
    share = t.rule.supermajority
    share_text = "unanimity" if share == 1 else f"supermajority {fraction_text(share)}"
    if t.adopted:
        verdict = "adopted"
    else:
        deadline = (
            "would be rejected at the deadline" if t.quorum_met else "would expire at the deadline"
        )
        verdict = "; ".join([*what_is_missing(t), deadline])
    return (
        f"{t.checked_in} of {plural(t.active, 'active chapter')} checked in ({quorum})"
        f" · {t.agree} agree, {t.disagree} disagree, {t.abstain} abstain"
        f" · {share_text} of non-abstaining: {'met' if t.supermajority_met else 'not met'}"
        f" → {verdict}"
    )
