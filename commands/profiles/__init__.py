"""Profiles and the member directory: skills, interests, and who may see whom."""

from commands.profiles.commands import router
from commands.profiles.directory import router as directory_router

__all__ = ["directory_router", "router"]
