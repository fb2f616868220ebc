"""The ballot key: kept apart from the database so the database alone cannot unmask a vote.

Anonymous ballots are stored under HMAC(key, poll, member). Whoever reads the
database sees keys it cannot reverse without this secret; the application, which
has it, can still keep one ballot per member and let members change their vote.

So the key must not travel with the database. It comes from the environment
(`CHAPTERHOUSE_BALLOT_KEY`, or its older name `BALLOT_SECRET`), or from a file
named by `CHAPTERHOUSE_BALLOT_KEY_FILE`. With SQLite and neither set, a key is
made once in the user's configuration folder (one file per database), not beside
the database: a copy of the database's folder (a backup, a shared drive) would
otherwise carry the key along and re-link every anonymous ballot. A key file in
the database's own folder is refused at start-up.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import platformdirs
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings

LEGACY_SUFFIX = ".ballot-key"
"""Where earlier versions kept the key: beside the database, which a backup carries."""
APP_NAME = "chapterhouse"
MAKE_ONE = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


def with_ballot_key(settings: Settings) -> Settings:
    """Settings whose `ballot_secret` is set: from the environment, or from a key file."""
    configured = settings.chapterhouse_ballot_key or settings.ballot_secret
    if configured is not None:
        return settings.model_copy(update={"ballot_secret": configured})
    database = _database_file(settings.database_url)
    path = settings.chapterhouse_ballot_key_file
    if path is None:
        if database is None:
            raise ConfigError(
                "CHAPTERHOUSE_BALLOT_KEY: required with this database (the same on every "
                f"process); make one with: {MAKE_ONE}"
            )
        legacy = database.with_name(database.name + LEGACY_SUFFIX)
        path = default_key_file(database)
        if legacy.exists():
            raise ConfigError(
                f"CHAPTERHOUSE_BALLOT_KEY_FILE: the ballot key {legacy} sits beside the "
                f"database, so a backup would carry it; move it to {path} (or name its new "
                "place in CHAPTERHOUSE_BALLOT_KEY_FILE)"
            )
    path = path.expanduser().absolute()
    if database is not None and _same_folder(path, database):
        raise ConfigError(
            f"CHAPTERHOUSE_BALLOT_KEY_FILE: {path} is in the database's folder, so a backup "
            "of that folder would carry it; keep it elsewhere, e.g. "
            f"{default_key_file(database)}, or set CHAPTERHOUSE_BALLOT_KEY"
        )
    return settings.model_copy(update={"ballot_secret": SecretStr(_read_or_create(path))})


def default_key_file(database: Path) -> Path:
    """The key file for a SQLite database when none is named: in the user's config folder,
    one per database (the name carries a digest of the database's full path)."""
    digest = hashlib.sha256(str(database.absolute()).encode()).hexdigest()[:12]
    folder = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    return folder / f"ballot-key-{database.stem}-{digest}"


def _database_file(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    return Path(parsed.database).expanduser().absolute()


def _same_folder(path: Path, database: Path) -> bool:
    try:
        return path.parent.resolve() == database.parent.resolve()
    except OSError:  # pragma: no cover - an unreadable folder is caught when the key is read
        return False


def _read_or_create(path: Path) -> str:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 16:
            raise ConfigError(
                f"CHAPTERHOUSE_BALLOT_KEY_FILE: the key file {path} is damaged"
            ) from None
        return key
    except OSError as error:
        raise ConfigError(
            f"CHAPTERHOUSE_BALLOT_KEY_FILE: cannot create {path} ({error.strerror}); "
            "name a writable place, or set CHAPTERHOUSE_BALLOT_KEY"
        ) from None
    key = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
