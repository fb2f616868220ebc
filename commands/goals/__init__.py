"""Society goals: targets with pace, history, milestones and charts."""

from commands.goals.commands import router

__all__ = ["router"]
