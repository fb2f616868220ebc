"""A Reply as terminal text. Mentions become @handles; blocks become plain lines."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.console.files import save
from adapters.text import progress_bar
from bot.formatting import of_target, percentage, plural
from bot.mentions import Person, render_mentions
from bot.reply import (
    Actions,
    Fields,
    File,
    Header,
    Image,
    Note,
    Progress,
    Reply,
    Section,
    render_stamps,
    stamp_fallback,
)

ITALIC = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
"""Section text's neutral _emphasis_: Slack and Discord show it, a terminal drops the marks."""


def plain(text: str) -> str:
    """Section markup as terminal text: no *bold*, _italic_ or `code` marks."""
    return ITALIC.sub(r"\1", text.replace("*", ""))


def write_person(person: Person) -> str:
    handle = person.handles.get("console")
    return f"@{handle}" if handle else person.name


def _saved(file: File, folder: Path) -> str:
    try:
        return f"Saved {file.name} to {save(file, folder)}"
    except OSError as error:
        return f"Could not save {file.name} in {folder}: {error.strerror or error}"


def render(reply: Reply, *, save_in: Path | None = None) -> str:
    """Blocks when there are any (they carry the detail), else the fallback text.

    Text files are printed. Binary files are saved in `save_in` and their path
    printed; without a folder (a test, an edit that cannot be shown) they are only named.
    """
    lines: list[str] = []
    kept: list[str] = []  # where binary files went: after the mentions, which could alter paths
    for block in reply.blocks:
        match block:
            case Header(text=text):
                lines += [text, "─" * min(len(text), 60)]
            case Section(text=text):
                lines.append(plain(text))
            case Fields(pairs=pairs):
                width = max(len(k) for k, _ in pairs) if pairs else 0
                lines += [f"{k.ljust(width)}  {v}" for k, v in pairs]
            case Progress():
                lines.append(
                    f"{block.label}: {progress_bar(block.fraction)} "
                    f"{of_target(block.value, block.target, block.unit)} "
                    f"({percentage(block.fraction * 100)}) {block.note}".rstrip()
                )
            case Actions(buttons=buttons):
                lines.append("  ".join(f"[{b.label}: {b.action}]" for b in buttons))
            case Image(url=url, alt=alt):
                lines.append(f"[image: {alt}] {url}")
            case Note(text=text):
                lines.append(text)
            case File(name=name, content=content) if block.is_text:
                lines += [f"── {name} ──", content.rstrip("\n"), "── end of file ──"]
            case File(name=name, media_type=media_type):
                if save_in is None:
                    kept.append(f"[file: {name}, {media_type}, {plural(len(block.data), 'byte')}]")
                else:
                    kept.append(_saved(block, save_in))
    reader = reply.reader_tz
    body = render_stamps(
        "\n".join(lines) if lines else reply.text,
        lambda unix, zone: stamp_fallback(unix, reader or zone),
    )
    return "\n".join([render_mentions(body.replace("`", ""), reply.people, write_person), *kept])
