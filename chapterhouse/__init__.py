"""Chapterhouse: run a volunteer professional society from inside Slack and Discord."""
