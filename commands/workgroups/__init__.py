"""Workgroups: member-led work that starts when enough members back it."""

from commands.workgroups.commands import router

__all__ = ["router"]
