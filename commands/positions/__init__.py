"""Positions: statements the society may take, decided by its chapters."""
