"""Small wording helpers shared by replies."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"
