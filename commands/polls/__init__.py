"""Polls: one question, one count, wherever it was posted."""

from commands.polls import due as due  # its jobs join the polls router
from commands.polls.commands import router

__all__ = ["router"]
