"""Fakes of Slack's and Discord's servers, shared by the tests and the benches.

They sit at the network edge only and speak the documented wire formats; captured
real payloads (in `payloads/`) keep their builders honest.
"""
