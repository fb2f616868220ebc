"""Settings, read once at start-up from the environment and `.env`.

Nothing else in the process reads the environment: `bootstrap()` hands these
settings to whatever needs them, so tests build a `Settings` directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.engine import safe_url

PLATFORMS = ("console", "slack", "discord")
EXAMPLE_ADMINS = {"console": "console:alice", "slack": "slack:U123", "discord": "discord:456"}


@dataclass(frozen=True)
class AdminIdentity:
    platform: str
    user_id: str


class ConfigError(Exception):
    """A setting is wrong; the message is one line that names the variable."""


def normal_account_id(platform: str, user_id: str) -> str:
    """Console names ignore case; Slack ids are upper-case however they were pasted."""
    if platform == "console":
        return user_id.lower()
    if platform == "slack":
        return user_id.upper()
    return user_id


def parse_admins(raw: str | list[AdminIdentity]) -> list[AdminIdentity]:
    if isinstance(raw, list):
        return raw
    admins: list[AdminIdentity] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        platform, sep, user_id = item.partition(":")
        platform = platform.strip().lower()
        user_id = user_id.strip()
        if not sep:
            raise ValueError(
                f"{item!r} is not platform:id; expected e.g. console:alice,slack:U123,discord:456"
            )
        if platform not in PLATFORMS:
            raise ValueError(
                f"{item!r} names an unknown platform {platform!r}; "
                "expected console, slack or discord"
            )
        if not user_id:
            raise ValueError(
                f"{item!r} has no id after the colon; expected e.g. {EXAMPLE_ADMINS[platform]}"
            )
        admins.append(AdminIdentity(platform, normal_account_id(platform, user_id)))
    return admins


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite+aiosqlite:///chapterhouse.db"
    chapterhouse_admins: Annotated[list[AdminIdentity], NoDecode] = Field(default_factory=list)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    discord_bot_token: SecretStr | None = None
    discord_guild_id: int | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=3000, ge=1, le=65535)
    public_url: str = ""
    """Where members reach this process over HTTP (calendar feeds); default http://HOST:PORT."""
    default_timezone: str = "UTC"
    cadence_working: int = Field(default=4, ge=0, le=52)
    cadence_social: int = Field(default=4, ge=0, le=52)
    log_level: str = "INFO"
    ballot_secret: SecretStr | None = None
    chapterhouse_ballot_key: SecretStr | None = None
    """The ballot key itself (CHAPTERHOUSE_BALLOT_KEY); BALLOT_SECRET is its older name."""
    chapterhouse_ballot_key_file: Path | None = None
    """A file holding the ballot key, outside the database's folder (see bot.ballot_key)."""
    poll_default_hours: int = Field(default=72, ge=1, le=24 * 366)
    workgroup_threshold: int = Field(default=5, ge=1, le=1000)
    workgroup_expiry_days: int = Field(default=30, ge=1, le=366)
    position_days: int = Field(default=30, ge=1, le=366)
    position_quorum: Fraction = Fraction(1, 2)
    position_supermajority: Fraction = Fraction(2, 3)
    digest_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    digest_time: time = time(9, 0)
    """Chapters' local time for the weekly digest."""
    quiet_hours: tuple[time, time] = (time(20, 0), time(8, 0))
    """No direct messages from the first time to the second, in the recipient's zone."""
    workgroup_idle_days: int = Field(default=30, ge=1, le=366)
    onboarding_days: int = Field(default=3, ge=1, le=60)
    scheduler_tick_seconds: int = Field(default=60, ge=1, le=3600)

    @field_validator("digest_day", mode="before")
    @classmethod
    def _weekday(cls, value: object) -> str:
        return str(value).strip().lower()

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: object) -> object:
        """`20:00-08:00`; `off` (or an empty value) turns quiet hours off."""
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        if text in ("", "off", "none"):
            return (time(0, 0), time(0, 0))
        start, sep, end = text.partition("-")
        try:
            if not sep:
                raise ValueError
            return (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        except ValueError:
            raise ValueError(f"expected a range like 20:00-08:00 or off, got {value!r}") from None

    @field_validator("position_quorum", "position_supermajority", mode="before")
    @classmethod
    def _share(cls, value: object) -> Fraction:
        """A share of chapters: `1/2`, `0.5` or `50%`, more than 0 and at most 1."""
        if isinstance(value, Fraction):
            share = value
        else:
            text = str(value).strip()
            try:
                share = (
                    Fraction(text.removesuffix("%").strip()) / 100
                    if text.endswith("%")
                    else Fraction(text)
                )
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"expected a share like 1/2, 0.5 or 50%, got {text!r}") from None
        if not 0 < share <= 1:
            raise ValueError(f"must be more than 0 and at most 1, got {value!s}")
        return share

    @field_validator("position_supermajority")
    @classmethod
    def _majority(cls, value: Fraction) -> Fraction:
        """Below a half, a position and its opposite could both be adopted."""
        if value < Fraction(1, 2):
            raise ValueError(f"must be at least 1/2, got {value}")
        return value

    @field_validator("ballot_secret", "chapterhouse_ballot_key")
    @classmethod
    def _ballot_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (a random string)")
        return value or None

    @field_validator("chapterhouse_admins", mode="before")
    @classmethod
    def _admins(cls, value: object) -> list[AdminIdentity]:
        if value is None:
            return []
        if isinstance(value, str | list):
            return parse_admins(value)
        raise ValueError("expected a comma-separated list like console:alice,slack:U123")

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/London"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Tokens are SecretStr already; the database URL may carry a password too.
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = safe_url(value)
            yield name, value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_bot_token is not None

    def is_admin(self, platform: str, user_id: str) -> bool:
        return (
            AdminIdentity(platform, normal_account_id(platform, user_id))
            in self.chapterhouse_admins
        )


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}")
        raise ConfigError("; ".join(lines)) from None
