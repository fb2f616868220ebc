"""Slash-command text as Slack sends it, back to what the member typed.

The manifest sets `should_escape: true`, so Slack rewrites what people type: a
link becomes `<https://x>` (or `<http://x.org|x.org>` when they typed the bare
`x.org`, `<mailto:a@b.org|a@b.org>` for an address), a date `<!date^…|fallback>`,
`@here` becomes `<!here>`, and `&`, `<`, `>` arrive as entities. Users and
channels (`<@U…|name>`, `<#C…|name>`) are left as they are: the parser resolves
them as mentions. Everything else is unwrapped before the core sees the text, so
`/workgroup output --link <https://x>` gets `https://x` and an announcement does
not show `&lt;https://x&gt;`.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def from_slack(text: str) -> str:
    """The text as typed: escapes unwrapped, then entities decoded (`&amp;` last)."""
    unwrapped = _ESCAPE.sub(_unwrap, text)
    return unwrapped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unwrap(match: re.Match[str]) -> str:
    inner = match[1]
    target, _, label = inner.partition("|")
    if target[:1] in ("@", "#"):
        return match[0]  # a user or channel: the parser reads these
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if label:
            return label  # a date's fallback text, a user group's @name
        return _SPECIAL.get(name, f"@{name}")
    if label and _bare(target) == label:
        return label  # Slack linked what they typed (x.org, a@b.org): keep what they typed
    return target


def _bare(url: str) -> str:
    return re.sub(r"^(?:[a-z][a-z0-9+.-]*:)(?://)?", "", url, flags=re.IGNORECASE)
