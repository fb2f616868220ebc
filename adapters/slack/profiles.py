"""What Slack knows about a member (`users.info`), for filling their profile.

Needs the `users:read` scope. A failure or a rate limit raises `ProfileUnavailable`,
so the core retries later instead of failing the member's command.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.profilefill import PlatformProfile, ProfileUnavailable

PLATFORM = "slack"


class SlackProfiles:
    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def lookup(self, user_id: str) -> PlatformProfile:
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as error:
            data = error.response.data
            reason = data.get("error") if isinstance(data, dict) else None
            raise ProfileUnavailable(
                f"slack: {reason or f'http_{error.response.status_code}'}"
            ) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ProfileUnavailable(f"slack: {type(error).__name__}") from error
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        return PlatformProfile(
            name=user.get("real_name") or profile.get("real_name") or None,
            timezone=user.get("tz") or None,
            title=profile.get("title") or None,
        )
