"""Errors that are safe to show users, each turned into one line by the dispatcher.

Anything else that escapes a handler is a bug: logged with an id, never shown.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal the user can act on; `str(error)` is the whole reply."""


class BadArgument(UserError):
    """The command was malformed; the message says what would be right."""


class NotFound(UserError):
    """Something named does not exist; the message suggests the closest name."""


class Forbidden(UserError):
    """The member lacks the role; the message names the role needed."""

    def __init__(self, needed: str, action: str = "do that") -> None:
        super().__init__(f"Only {needed} may {action}.")
        self.needed = needed


class Conflict(UserError):
    """The request clashes with what is already there."""
