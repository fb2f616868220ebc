"""Workgroups: member-led work that starts when enough members back it."""

from commands.workgroups.commands import router
from commands.workgroups.targeted import router as calls_router

__all__ = ["calls_router", "router"]
