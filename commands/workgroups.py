"""Workgroups: member-led work that starts when enough members back it."""

from __future__ import annotations

from bot.registry import Router

router = Router("workgroups")
