"""Goal charts: a real PNG of the promised size, and a clear word when charts cannot be drawn."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from commands.goals.chart import (
    PANEL_HEIGHT_PX,
    PANEL_WIDTH_PX,
    ChartPanel,
    ChartsUnavailable,
    render_chart,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must carry first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (kind, length) == (b"IHDR", 13)
    header = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(kind + header) == crc, "IHDR is corrupt"
    width, height = struct.unpack(">II", header[:8])
    return width, height


def chunks(data: bytes) -> list[bytes]:
    """Every chunk type in order, walking the whole file as a decoder would."""
    found, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        found.append(kind)
        at += 12 + length
    assert at == len(data), "the file ends inside a chunk"
    return found


def history(days: int, start: float, per_day: float) -> tuple[tuple[date, float], ...]:
    return tuple((YEAR_START + timedelta(days=d), start + d * per_day) for d in range(days))


CHAPTERS = ChartPanel(
    "20 active chapters",
    "chapters",
    history(166, 3, 0.05),
    (YEAR_START, 3),
    (YEAR_END, 20),
)
MEMBERS = ChartPanel(
    "5,000 members", "members", history(166, 1200, 9.5), (YEAR_START, 1200), (YEAR_END, 5000)
)
CONFERENCE = ChartPanel(
    "An international conference", "milestones done", (), (YEAR_START, 0), (YEAR_END, 1)
)


def test_one_goal_is_one_panel_of_the_promised_size() -> None:
    data = render_chart([CHAPTERS])
    assert png_size(data) == (PANEL_WIDTH_PX, PANEL_HEIGHT_PX)
    kinds = chunks(data)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds


def test_every_goal_adds_a_panel_below_the_others() -> None:
    data = render_chart([CHAPTERS, MEMBERS, CONFERENCE])
    assert png_size(data) == (PANEL_WIDTH_PX, 3 * PANEL_HEIGHT_PX)


def test_a_goal_without_history_and_one_with_a_single_day_are_drawn() -> None:
    single = ChartPanel("New goal", "things", history(1, 4, 0), (YEAR_START, 4), (YEAR_END, 10))
    assert png_size(render_chart([CONFERENCE, single])) == (PANEL_WIDTH_PX, 2 * PANEL_HEIGHT_PX)


def test_titles_and_units_are_drawn_as_typed_not_parsed_as_formulas() -> None:
    # Text between two dollar signs would be mathtext, and this one is not valid mathtext.
    panel = ChartPanel(
        r"Pay off $\frac{1}$ of the debt",
        "$",
        history(30, 100, 10),
        (YEAR_START, 100),
        (YEAR_END, 3000),
    )
    assert png_size(render_chart([panel])) == (PANEL_WIDTH_PX, PANEL_HEIGHT_PX)


def test_different_histories_give_different_pictures() -> None:
    behind = ChartPanel(
        CHAPTERS.title, CHAPTERS.unit, history(166, 3, 0.01), CHAPTERS.start, CHAPTERS.end
    )
    assert render_chart([CHAPTERS]) != render_chart([behind])


def test_without_matplotlib_the_message_says_how_to_install_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    render_chart([CHAPTERS])  # its submodules are loaded now: the check must not rely on them
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ChartsUnavailable) as raised:
        render_chart([CHAPTERS])
    message = str(raised.value)
    assert "pip install 'chapterhouse[charts]'" in message
    assert "\n" not in message
    assert isinstance(raised.value, UserError)  # shown to the member as a one-line reply


def test_the_core_imports_the_chart_module_without_matplotlib() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from commands.goals.chart import PANEL_WIDTH_PX\n"
        "import commands\n"
        "print(PANEL_WIDTH_PX)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(PANEL_WIDTH_PX)


def test_a_chart_needs_a_goal() -> None:
    with pytest.raises(ValueError):
        render_chart([])
