"""Text shaping every renderer needs: bars, one-line clips, splitting at line ends.

Each platform cuts differently (Slack must not leave half an `&amp;`, Discord half
a `<@123>`), so the splitter takes the platform's own cut.
"""

from __future__ import annotations

from collections.abc import Callable

BAR_WIDTH = 20
ELLIPSIS = "…"


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return "█" * filled + "░" * (width - filled)


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters: whitespace collapsed, an ellipsis if cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def split_lines(text: str, limit: int, cut: Callable[[str, int], str]) -> list[str]:
    """Chunks of at most `limit` characters, split at line ends so no line is broken,
    unless one line alone is over the limit (then `cut` shortens it). Blank chunks go."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for raw in text.split("\n"):
        line = cut(raw, limit)
        grown = size + 1 + len(line) if current else len(line)
        if current and grown > limit:
            chunks.append("\n".join(current))
            current, grown = [], len(line)
        current.append(line)
        size = grown
    if current:
        chunks.append("\n".join(current))
    return [chunk for chunk in chunks if chunk.replace("\ufeff", "").strip()]
