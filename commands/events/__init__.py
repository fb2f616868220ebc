"""Chapter events: planned, announced, answered, reminded, checked in, credited."""

from commands.events.commands import router

__all__ = ["router"]
