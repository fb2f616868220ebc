"""Ranking autocomplete choices: prefix matches first, then substrings, then near misses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.registry import MAX_CHOICES


def rank_choices(typed: str, names: Iterable[str], limit: int = MAX_CHOICES) -> list[str]:
    key = " ".join(typed.split()).lower()
    pool = sorted(set(names), key=str.lower)
    if not key:
        return pool[:limit]
    prefix = [n for n in pool if n.lower().startswith(key)]
    inside = [n for n in pool if key in n.lower() and n not in prefix]
    chosen = prefix + inside
    if len(chosen) < limit:
        lowered = {n.lower(): n for n in pool if n not in chosen}
        near = difflib.get_close_matches(key, list(lowered), n=limit, cutoff=0.5)
        chosen += [lowered[n] for n in near]
    return chosen[:limit]
