"""Status updates: short "asked / got / next" posts on a cadence, drafted from the records.

The router lives in `commands.updates.commands`.
"""
