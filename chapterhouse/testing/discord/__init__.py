"""A fake of Discord's servers on 127.0.0.1, speaking the documented wire format.

`FakeDiscord` is the one object tests and benches use; the names below are the
fake world's snowflakes and the flags a test asserts on.
"""

from chapterhouse.testing.discord.fake import FakeDiscord
from chapterhouse.testing.discord.limits import HttpError
from chapterhouse.testing.discord.messages import Upload
from chapterhouse.testing.discord.rest import Call
from chapterhouse.testing.discord.world import (
    ANNOUNCEMENTS_ID,
    ANSWERED,
    APPLICATION_ID,
    BOSTON_ID,
    BOT_ID,
    DEFAULT_CHANNELS,
    DEFERRED,
    EPHEMERAL,
    GENERAL_ID,
    GUILD_ID,
    LOADING,
    OWNER_ID,
    VOICE_ID,
    dm_channel_id,
    user_object,
)

__all__ = [
    "ANNOUNCEMENTS_ID",
    "ANSWERED",
    "APPLICATION_ID",
    "BOSTON_ID",
    "BOT_ID",
    "DEFAULT_CHANNELS",
    "DEFERRED",
    "EPHEMERAL",
    "GENERAL_ID",
    "GUILD_ID",
    "LOADING",
    "OWNER_ID",
    "VOICE_ID",
    "Call",
    "FakeDiscord",
    "HttpError",
    "Upload",
    "dm_channel_id",
    "user_object",
]
