"""Counts, quantities and percentages, written one way everywhere.

`1 chapter`, `2 chapters`, `1,400 members`, `7/5,000 members`, `15%`: replies,
cards, digests and every platform's renderer use these, so no two places disagree
on a plural, a thousands separator or a space before the percent sign.
"""

from __future__ import annotations

import math


def number(value: float) -> str:
    """12, 1,400, 2.5: whole numbers without a decimal point, others with one."""
    if type(value) is int:  # most counts: no rounding to decide (a list formats hundreds)
        return f"{value:,}"
    if not math.isfinite(value):
        return f"{value:g}"
    if math.isclose(value, round(value), abs_tol=1e-9):
        return f"{round(value):,}"
    return f"{value:,.1f}"


def whole(value: float) -> int:
    """Rounded half up, as people round counts (2.5 chapters ahead is 3, not 2)."""
    return math.floor(value + 0.5)


def singular(unit: str) -> str:
    """`chapters` → `chapter`; units that are not plural nouns (`%`, `km`) stay."""
    if unit.endswith("ies") and len(unit) > 3:
        return unit[:-3] + "y"
    if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 1:
        return unit[:-1]
    return unit


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """`1 member`, `3 members`, `1,400 members`; `noun` is the singular."""
    one = count == 1 if type(count) is int else math.isclose(count, 1)
    return f"{number(count)} {noun if one else (plural_form or noun + 's')}"


def quantity(amount: float, unit: str = "") -> str:
    """An amount in a unit named in the plural (a goal's unit): `1 chapter`, `2.5 km`."""
    if not unit:
        return number(amount)
    shown = singular(unit) if math.isclose(amount, 1) else unit
    return f"{number(amount)} {shown}"


def of_target(value: float, target: float, unit: str = "") -> str:
    """`7/5,000 members`: a value out of a target, separators and unit included."""
    return f"{number(value)}/{quantity(target, unit)}"


def percent(part: float, whole_: float) -> str:
    """A share of a whole, rounded: `15%` (0% when the whole is nothing)."""
    return percentage(100 * part / whole_) if whole_ else "0%"


def percentage(value: float) -> str:
    """A percentage already computed: `15%`, no space before the sign."""
    return f"{round(value)}%" if math.isfinite(value) else f"{value:g}%"
