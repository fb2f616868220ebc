"""Positions: statements the society may take, decided by its chapters."""

from commands.positions import due as due  # its jobs join the positions router
