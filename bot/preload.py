"""A row a command's scope names, read in the statement that finds its caller.

`/chapter meeting Boston …` is a president's command: the dispatcher looks Boston up
to check who presides, then the handler works on it. Both are served by one read,
but that read was still a statement of its own after the caller's. A feature that
declares a `Preload` with its owner (`Router.owner(kind, preload=…)`) has the row
outer-joined onto the caller's entry statement by its unique key instead, and kept
where its resolver and handlers look first (the unit of work's session), so finding
the thing costs no statement when the name is exact; anything else (a prefix, a typo)
takes the feature's own way as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, eq=False)  # compared by identity: a column's == builds SQL
class Preload:
    model: type[Any]
    """The mapped class whose row the scope names."""
    column: Any
    """A unique column of it (an instrumented attribute) that `key` gives the value of."""
    key: Callable[[Any], Any]
    """The typed value of the scoped parameter → the column's value; None reads nothing."""
    keep: Callable[[AsyncSession, Any, Any], None]
    """Keep the row found for `key` (never None) where the feature looks it up first."""
