"""Positions: statements the society may take, decided by its chapters."""

from commands.positions.commands import router

__all__ = ["router"]
