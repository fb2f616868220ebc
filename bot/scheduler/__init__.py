"""Time-based work: `run_due` runs it, `Scheduler` ticks it on one elected process.

See `bot.due` for how a feature declares its due work, and `bot.notifier` for how
what it queues is delivered (quiet hours, retries, a sender that stopped).
"""

from bot.scheduler.leader import Leadership, leadership_for
from bot.scheduler.run import DueParts, DueReport, JobReport, Post, run_due
from bot.scheduler.ticker import Scheduler, SchedulerStatus

__all__ = [
    "DueParts",
    "DueReport",
    "JobReport",
    "Leadership",
    "Post",
    "Scheduler",
    "SchedulerStatus",
    "leadership_for",
    "run_due",
]
