"""Goal charts as PNG: value over time against the straight line to the target.

matplotlib is an optional extra, so it is imported only when a chart is drawn and
the rest of the bot runs without it. Figures are built directly on the Agg canvas,
never through pyplot: pyplot keeps global state, which two charts drawn at once in
different threads (or a bot serving several platforms) would share.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.errors import UserError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PANEL_WIDTH_PX = 1000
PANEL_HEIGHT_PX = 360
DPI = 100
"""Pixels per inch of the figure; only the pixel sizes above are promised."""
INSTALL = "pip install 'chapterhouse[charts]'"

ACTUAL_COLOUR = "#1f77b4"
TARGET_COLOUR = "#7f7f7f"


@dataclass(frozen=True)
class ChartPanel:
    """One goal's panel; the caller has already read its history and its line."""

    title: str
    unit: str
    points: tuple[tuple[date, float], ...]
    """Daily snapshots, oldest first (may be empty)."""
    start: tuple[date, float]
    """The baseline: the day the goal was set and its value then."""
    end: tuple[date, float]
    """The deadline and the target."""


class ChartsUnavailable(UserError):
    """matplotlib is not installed; the message tells the operator how to add it."""

    def __init__(self) -> None:
        super().__init__(f"Charts need the optional extra; install it with: {INSTALL}")


def number(value: float) -> str:
    """Whole numbers with thousands separators; fractions without trailing zeros."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def render_chart(panels: Sequence[ChartPanel]) -> bytes:
    """A PNG of PANEL_WIDTH_PX × (PANEL_HEIGHT_PX × len(panels)) pixels, one panel a goal."""
    if not panels:
        raise ValueError("a chart needs at least one panel")
    try:
        # The package first: a submodule already imported elsewhere would otherwise
        # be found even where matplotlib itself cannot be imported.
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable() from None

    figure = Figure(
        figsize=(PANEL_WIDTH_PX / DPI, PANEL_HEIGHT_PX * len(panels) / DPI),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(figure)
    for axes, panel in zip(
        figure.subplots(len(panels), 1, squeeze=False)[:, 0], panels, strict=True
    ):
        _draw(axes, panel)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _draw(axes: Axes, panel: ChartPanel) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.ticker import FuncFormatter

    # parse_math=False everywhere: "$50,000 raised" is a title, not a formula.
    (start_day, baseline), (deadline, target) = panel.start, panel.end
    axes.plot(
        date2num([start_day, deadline]),
        [baseline, target],
        linestyle="--",
        color=TARGET_COLOUR,
        label=f"target: {number(target)} by {deadline:%d %b %Y}",
    )
    if panel.points:
        days = date2num([day for day, _ in panel.points])
        values = [value for _, value in panel.points]
        axes.plot(days, values, marker="o", markersize=3, color=ACTUAL_COLOUR, label="value")
        today, value = panel.points[-1]
        axes.plot(days[-1:], [value], marker="o", markersize=9, color=ACTUAL_COLOUR)
        axes.annotate(
            f"{number(value)} on {today:%d %b}",
            (days[-1], value),
            xytext=(8, 8),
            textcoords="offset points",
            parse_math=False,
        )
    else:
        axes.text(
            0.5, 0.5, "no history yet", transform=axes.transAxes, ha="center", parse_math=False
        )
    axes.set_title(panel.title, loc="left", fontweight="bold", parse_math=False)
    axes.set_ylabel(panel.unit, parse_math=False)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
