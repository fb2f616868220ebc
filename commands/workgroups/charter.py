"""What a member may write into a workgroup: its name, charter, titles, needs and links.

Every value is cleaned here so each refusal names the flag and the limit it broke.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.errors import BadArgument

MIN_NAME, MAX_NAME = 2, 80
MAX_CHARTER = 1000
MAX_TITLE = 200
MAX_LINK = 500
MAX_NEED = 300
QUOTES = frozenset('"“”')


def clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not MIN_NAME <= len(clean) <= MAX_NAME:
        raise BadArgument(f"NAME must be {MIN_NAME}–{MAX_NAME} characters; got {len(clean)}.")
    if QUOTES & set(clean):
        raise BadArgument("NAME cannot contain quotation marks; members type it in commands.")
    if not any(ch.isalnum() for ch in clean):
        raise BadArgument("NAME needs at least one letter or digit.")
    return clean


def clean_text(value: str, what: str, limit: int) -> str:
    clean = " ".join(value.split())
    if not clean:
        raise BadArgument(f"{what} is empty; say it in a few words.")
    if len(clean) > limit:
        raise BadArgument(f"{what} is {len(clean)} characters; keep it to {limit}.")
    return clean


def clean_link(link: str) -> str:
    clean = link.strip()
    try:
        parts = urlsplit(clean)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() for ch in clean)
    ):
        raise BadArgument(
            f"--link {clean[:40]!r} is not a web address; give one starting with https://."
        )
    if len(clean) > MAX_LINK:
        raise BadArgument(f"--link is {len(clean)} characters; keep it to {MAX_LINK}.")
    return clean
