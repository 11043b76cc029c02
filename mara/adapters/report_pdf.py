"""The quarterly report rendered server-side with matplotlib: PDF pages and PNG charts.

Uses matplotlib's object API (Figure, no pyplot): no global state, safe in web workers.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mara.policy.staff_texts import staff_text

# The table's columns, by their key in config/staff_texts.yml.
COLUMNS = (
    "report_pdf.col_group",
    "report_pdf.col_received",
    "report_pdf.col_answered",
    "report_pdf.col_on_time_pct",
    "report_pdf.col_avg_business_days",
    "report_pdf.col_overdue",
    "report_pdf.col_resarcimientos",
    "report_pdf.col_satisfaction",
    "report_pdf.col_nps",
    "report_pdf.col_response_rate",
)
NPS_GROUPS = ("report_pdf.promoters", "report_pdf.passives", "report_pdf.detractors")
GREEN, AMBER, RED, BLUE, GREY = "#2e7d32", "#f9a825", "#c62828", "#1565c0", "#9e9e9e"
_A4_LANDSCAPE = (11.69, 8.27)


def _fmt(value: Any, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",") + suffix
    return f"{value}{suffix}"


def _table(ax, title: str, groups: list[dict[str, Any]]) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    header = [staff_text(key) for key in COLUMNS]
    cells = []
    for g in groups:
        indicators = [i["score"] for i in g["satisfaction"]["indicators"] if i["score"] is not None]
        satisfaction = sum(indicators) / len(indicators) if indicators else None
        cells.append(
            [
                g["label"][:34],
                _fmt(g["received"]),
                _fmt(g["answered"]),
                _fmt(g["on_time_pct"], " %"),
                _fmt(g["avg_business_days"]),
                _fmt(g["overdue"]),
                _fmt(g["resarcimientos"]),
                _fmt(satisfaction, " %"),
                _fmt(g["satisfaction"]["nps"]["score"]),
                _fmt(g["satisfaction"]["response_rate"], " %"),
            ]
        )
    if not cells:
        ax.text(0, 0.5, staff_text("report_pdf.empty"), fontsize=9)
        return
    table = ax.table(
        cellText=cells,
        colLabels=header,
        loc="upper left",
        cellLoc="center",
        colWidths=[0.22] + [0.078] * (len(header) - 1),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.25)
    for (row, _col), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#e8f0fe")
            cell.set_text_props(fontweight="bold")


def _bars(ax, labels: list[str], values: list[float | None], title: str, color: str) -> None:
    shown = [v if v is not None else 0 for v in values]
    ax.barh(range(len(labels)), shown, color=color)
    ax.set_yticks(range(len(labels)), [label[:30] for label in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, max([100.0, *shown]))
    for i, v in enumerate(values):
        ax.text(shown[i] + 1, i, _fmt(v), va="center", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)


def _summary_page(report: dict[str, Any]) -> Figure:
    fig = Figure(figsize=_A4_LANDSCAPE)
    fig.suptitle(
        staff_text(
            "report_pdf.title", quarter=report["quarter"], start=report["from"], end=report["to"]
        ),
        fontsize=14,
        fontweight="bold",
    )
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1.1, 1], hspace=0.45, wspace=0.5, left=0.17, right=0.97
    )
    _table(
        fig.add_subplot(grid[0, :]),
        staff_text("report_pdf.totals_by_type"),
        [report["totals"], *report["by_type"]],
    )
    totals = report["totals"]["satisfaction"]
    indicators = totals["indicators"]
    _bars(
        fig.add_subplot(grid[1, 0]),
        [i["indicator"] for i in indicators],
        [i["score"] for i in indicators],
        staff_text("report_pdf.satisfaction"),
        GREEN,
    )
    nps = totals["nps"]
    ax = fig.add_subplot(grid[1, 1])
    counts = [nps["promoters"], nps["passives"], nps["detractors"]]
    ax.bar([staff_text(key) for key in NPS_GROUPS], counts, color=[GREEN, AMBER, RED])
    ax.set_title(
        staff_text(
            "report_pdf.recommendation",
            nps=_fmt(nps["score"]),
            response_rate=_fmt(totals["response_rate"], " %"),
        ),
        fontsize=10,
    )
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    generated = staff_text("report_pdf.generated", at=report["generated_at"])
    fig.text(0.01, 0.01, " ".join(report["notes"]) + "  " + generated, fontsize=7, color=GREY)
    return fig


def _groups_page(report: dict[str, Any], key: str, title: str) -> Figure:
    fig = Figure(figsize=_A4_LANDSCAPE)
    fig.suptitle(
        staff_text("report_pdf.page_title", title=title, quarter=report["quarter"]),
        fontsize=13,
        fontweight="bold",
    )
    groups = report[key]
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1.2, 1], hspace=0.4, wspace=0.5, left=0.17, right=0.97
    )
    _table(fig.add_subplot(grid[0, :]), title, groups)
    labels = [g["label"] for g in groups]
    _bars(fig.add_subplot(grid[1, 0]), labels, [g["on_time_pct"] for g in groups],
          staff_text("report_pdf.on_time"), BLUE)  # fmt: skip
    ax = fig.add_subplot(grid[1, 1])
    rows = range(len(groups))
    ax.barh([i - 0.2 for i in rows], [g["received"] for g in groups], height=0.4, color=BLUE,
            label=staff_text("report_pdf.received"))  # fmt: skip
    ax.barh([i + 0.2 for i in rows], [g["overdue"] for g in groups], height=0.4, color=RED,
            label=staff_text("report_pdf.overdue"))  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(rows, [label[:30] for label in labels], fontsize=8)
    ax.invert_yaxis()
    ax.legend(fontsize=7)
    ax.set_title(staff_text("report_pdf.received_and_overdue"), fontsize=10)
    return fig


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as a PDF: a summary page, then one page per area and per channel."""
    out = io.BytesIO()
    title = staff_text("report_pdf.document_title", quarter=report["quarter"])
    with PdfPages(out, metadata={"Title": title}) as pdf:
        for page in CHART_PAGES:
            pdf.savefig(_page(report, page))
    return out.getvalue()


# The pages, in order, and the key of their title: the summary, then the report's groups by
# area and by channel.
CHART_PAGES = {
    "summary": None,
    "by_area": "report_pdf.by_area",
    "by_channel": "report_pdf.by_channel",
}


def _page(report: dict[str, Any], page: str) -> Figure:
    title = CHART_PAGES[page]
    return _summary_page(report) if title is None else _groups_page(report, page, staff_text(title))


def summary_png(report: dict[str, Any], dpi: int = 100) -> bytes:
    """The summary page as a PNG, for the staff web page (served by the app, no CDN)."""
    return chart_png(report, "summary", dpi)


def chart_png(report: dict[str, Any], page: str, dpi: int = 100) -> bytes:
    """One page of the PDF (CHART_PAGES) as a PNG."""
    fig = _page(report, page)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
