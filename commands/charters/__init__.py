"""Charters: the metrics a workgroup or chapter owns or influences, and chapters' charters.

The router lives in `commands.charters.commands`; this package imports nothing at
start so that the workgroup and chapter cards can reach `commands.charters.info`
without a cycle.
"""
