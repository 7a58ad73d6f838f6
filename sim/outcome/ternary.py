"""Runs as points in the bloc–race–collaboration triangle (mpltern), one panel per scenario.

Each run's three indices (:mod:`sim.outcome.indices`) are normalised to sum to 1 and placed in the
triangle: a corner is a world with only that index, the centre one with all three equal.
Normalising hides how strong the indices are, so the marker's area grows with the run's
largest index, and each point's colour is its class. Runs whose three indices are all 0
have no place in the triangle; each panel says how many there were.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mpltern  # noqa: E402,F401  (registers the "ternary" projection)
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from sim.outcome.indices import CLASSES, INDICES, Thresholds, classify_table  # noqa: E402

#: One colour per class (colour-blind safe Okabe–Ito palette; ambiguous in grey).
CLASS_COLOURS = {"collaboration": "#009E73", "bloc": "#0072B2", "race": "#D55E00",
                 "hedged": "#CC79A7", "hegemony": "#E69F00", "ambiguous": "#999999"}


def normalised(table) -> tuple[np.ndarray, np.ndarray]:
    """(runs x 3 array of bloc, race, collaboration shares summing to 1; mask of runs that
    can be placed, i.e. whose indices are not all 0)."""
    x = np.column_stack([np.asarray(table[k], dtype=float) for k in INDICES])
    total = x.sum(axis=1)
    ok = total > 0
    out = np.full_like(x, np.nan)
    out[ok] = x[ok] / total[ok, None]
    return out, ok


def ternary_figure(table, by: str = "scenario", thresholds: Thresholds = Thresholds(),
                   ncols: int = 3, title: str | None = None):
    """A figure with one ternary panel per value of ``by`` (in order of first appearance).

    ``table`` has one row per run with the columns of :data:`sim.outcome.indices.CLASS_INPUTS`
    (a ``class`` column is used if present, else the classes are computed)."""
    if by not in table:
        raise ValueError(f"indices table: missing column {by!r} to group by")
    groups = list(dict.fromkeys(np.asarray(table[by]).tolist()))
    classes = (np.asarray(table["class"]) if "class" in table
               else classify_table(table, thresholds))
    shares, ok = normalised(table)
    strength = np.nan_to_num(np.column_stack([np.asarray(table[k], float) for k in INDICES])
                             .max(axis=1))
    ncols = max(1, min(ncols, len(groups)))
    nrows = -(-len(groups) // ncols)
    fig = plt.figure(figsize=(4.2 * ncols, 4.3 * nrows + 0.9))
    values = np.asarray(table[by])
    for k, g in enumerate(groups):
        ax = fig.add_subplot(nrows, ncols, k + 1, projection="ternary")
        sel = values == g
        placed = sel & ok
        for cls in CLASSES:
            pick = placed & (classes == cls)
            if pick.any():
                ax.scatter(shares[pick, 0], shares[pick, 1], shares[pick, 2],
                           s=14 + 70 * strength[pick], c=CLASS_COLOURS[cls], alpha=0.6,
                           edgecolors="white", linewidths=0.3, clip_on=False, zorder=3)
        ax.set_tlabel("bloc")
        ax.set_llabel("race")
        ax.set_rlabel("collaboration")
        ax.grid(linewidth=0.3, alpha=0.5)
        for axis in (ax.taxis, ax.laxis, ax.raxis):
            axis.set_tick_params(labelsize=7)
        zero = int((sel & ~ok).sum())
        ax.set_title(f"{g}\n{int(sel.sum())} runs" + (f", {zero} with all indices 0 not shown"
                                                       if zero else ""), fontsize=9, pad=22)
    handles = [Line2D([], [], marker="o", linestyle="", color=CLASS_COLOURS[c], label=c)
               for c in CLASSES]
    fig.legend(handles=handles, loc="lower center", ncol=len(CLASSES), frameon=False,
               fontsize=8, title="class (marker area: the run's largest index)",
               title_fontsize=8)
    fig.suptitle(title or "Runs in the bloc–race–collaboration triangle (indices normalised)",
                 fontsize=11)
    fig.subplots_adjust(left=0.07, right=0.93, top=1 - 0.75 / (4.3 * nrows + 0.9) - 0.06,
                        bottom=0.9 / (4.3 * nrows + 0.9) + 0.04, wspace=0.45, hspace=0.55)
    return fig
