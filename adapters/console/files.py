"""Binary files (a chart) cannot be printed, so the console saves them beside the user."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.reply import File


def save(file: File, folder: Path) -> Path:
    """Write `file` into `folder` under its own name, or name-1, name-2… if that is taken.

    Exclusive creation claims the name and writes in one step, so nothing already
    there (an earlier chart, another run's) is ever overwritten. Only the last part
    of the name is used: a name is not a path into other folders.
    """
    name = Path(file.name).name or "file"
    stem, suffix = Path(name).stem, Path(name).suffix
    candidates = itertools.chain([name], (f"{stem}-{n}{suffix}" for n in itertools.count(1)))
    for candidate in candidates:
        path = folder / candidate
        try:
            with path.open("xb") as out:
                out.write(file.data)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable: the candidate names never run out")
