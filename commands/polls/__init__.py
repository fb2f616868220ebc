"""Polls: one question, one count, wherever it was posted."""

from commands.polls.commands import router

__all__ = ["router"]
