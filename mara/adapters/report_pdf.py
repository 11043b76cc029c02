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
    header = ["Grupo", "Recibidas", "Resp.", "% a tiempo", "Días háb.", "Vencidas", "Resarc."]
    header += ["Satisf.", "NPS", "% resp. enc."]
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
        ax.text(0, 0.5, "Sin solicitudes en el trimestre.", fontsize=9)
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
        f"Informe trimestral de PQRS y satisfacción — {report['quarter']} "
        f"({report['from']} a {report['to']})",
        fontsize=14,
        fontweight="bold",
    )
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1.1, 1], hspace=0.45, wspace=0.5, left=0.17, right=0.97
    )
    _table(
        fig.add_subplot(grid[0, :]), "Totales y por tipo", [report["totals"], *report["by_type"]]
    )
    totals = report["totals"]["satisfaction"]
    indicators = totals["indicators"]
    _bars(
        fig.add_subplot(grid[1, 0]),
        [i["indicator"] for i in indicators],
        [i["score"] for i in indicators],
        "Satisfacción (Excelente 100 · Bueno 80 · Regular 60 · Deficiente 0)",
        GREEN,
    )
    nps = totals["nps"]
    ax = fig.add_subplot(grid[1, 1])
    counts = [nps["promoters"], nps["passives"], nps["detractors"]]
    ax.bar(["Promotores (9–10)", "Pasivos (7–8)", "Detractores (0–6)"], counts,
           color=[GREEN, AMBER, RED])  # fmt: skip
    ax.set_title(
        f"Recomendación: NPS {_fmt(nps['score'])} · respuesta a encuestas "
        f"{_fmt(totals['response_rate'], ' %')}",
        fontsize=10,
    )
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.text(0.01, 0.01, " ".join(report["notes"]) + f"  Generado {report['generated_at']}.",
             fontsize=7, color=GREY)  # fmt: skip
    return fig


def _groups_page(report: dict[str, Any], key: str, title: str) -> Figure:
    fig = Figure(figsize=_A4_LANDSCAPE)
    fig.suptitle(f"{title} — {report['quarter']}", fontsize=13, fontweight="bold")
    groups = report[key]
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1.2, 1], hspace=0.4, wspace=0.5, left=0.17, right=0.97
    )
    _table(fig.add_subplot(grid[0, :]), title, groups)
    labels = [g["label"] for g in groups]
    _bars(fig.add_subplot(grid[1, 0]), labels, [g["on_time_pct"] for g in groups],
          "% respondidas a tiempo (día hábil 7)", BLUE)  # fmt: skip
    ax = fig.add_subplot(grid[1, 1])
    rows = range(len(groups))
    ax.barh([i - 0.2 for i in rows], [g["received"] for g in groups], height=0.4, color=BLUE,
            label="Recibidas")  # fmt: skip
    ax.barh([i + 0.2 for i in rows], [g["overdue"] for g in groups], height=0.4, color=RED,
            label="Vencidas")  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(rows, [label[:30] for label in labels], fontsize=8)
    ax.invert_yaxis()
    ax.legend(fontsize=7)
    ax.set_title("Recibidas y vencidas", fontsize=10)
    return fig


def render_pdf(report: dict[str, Any]) -> bytes:
    """The report as a PDF: a summary page, then one page per area and per channel."""
    out = io.BytesIO()
    with PdfPages(out, metadata={"Title": f"Informe trimestral {report['quarter']}"}) as pdf:
        pdf.savefig(_summary_page(report))
        pdf.savefig(_groups_page(report, "by_area", "Por área"))
        pdf.savefig(_groups_page(report, "by_channel", "Por canal"))
    return out.getvalue()


CHART_PAGES = {"summary": None, "by_area": "Por área", "by_channel": "Por canal"}


def summary_png(report: dict[str, Any], dpi: int = 100) -> bytes:
    """The summary page as a PNG, for the staff web page (served by the app, no CDN)."""
    return chart_png(report, "summary", dpi)


def chart_png(report: dict[str, Any], page: str, dpi: int = 100) -> bytes:
    """One page of the PDF (CHART_PAGES) as a PNG."""
    title = CHART_PAGES[page]
    fig = _summary_page(report) if title is None else _groups_page(report, page, title)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
