"""/position: propose, open, checkout, checkin, show, list, withdraw."""

from __future__ import annotations

from bot.registry import Router

router = Router("positions")
