"""The ballot key: kept outside the database so the database alone cannot unmask a vote.

Anonymous ballots are stored under HMAC(key, poll, member). Whoever reads the
database sees keys it cannot reverse without this secret; the application, which
has it, can still keep one ballot per member and let members change their vote.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings

KEY_SUFFIX = ".ballot-key"


def with_ballot_key(settings: Settings) -> Settings:
    """Settings whose `ballot_secret` is set: as configured, or from a key file for SQLite."""
    if settings.ballot_secret is not None:
        return settings
    url = make_url(settings.database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        raise ConfigError(
            "BALLOT_SECRET: required with this database (the same on every process); "
            'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    path = Path(url.database).with_name(Path(url.database).name + KEY_SUFFIX)
    return settings.model_copy(update={"ballot_secret": SecretStr(_read_or_create(path))})


def _read_or_create(path: Path) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 16:
            raise ConfigError(f"BALLOT_SECRET: the key file {path.name} is damaged") from None
        return key
    except OSError as error:
        raise ConfigError(f"BALLOT_SECRET: cannot create {path.name} ({error.strerror})") from None
    key = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
