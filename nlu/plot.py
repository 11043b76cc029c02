"""Draw a confusion matrix as a PNG: `python -m nlu.plot OUT.png TITLE` with
`{"labels": [...], "matrix": [[...]]}` (rows: expected, columns: predicted) on stdin.

Runs in .venv-rasa, whose matplotlib Rasa already pins; no application imports.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out, title = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    data = json.load(sys.stdin)
    labels, matrix = data["labels"], data["matrix"]
    size = max(4.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("intención predicha")
    ax.set_ylabel("intención esperada")
    ax.set_title(title)
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                color = "white" if value > peak / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=color)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
