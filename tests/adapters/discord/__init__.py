"""Tests for the Discord adapter, against a fake of Discord's REST API and gateway."""
