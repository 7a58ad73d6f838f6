"""The app's figures, drawn once per model and updated in place every year.

A matplotlib figure spends most of a draw on its fixed parts: the layout, the axes, ticks,
labels and grid. Here each figure is laid out and drawn once, with axes limits fixed for
the whole run (the years, the actors' fixed positions), and kept as a background; every
year only the parts that change (lines, ties, colours, a title, a legend) are drawn over it
(matplotlib's blitting) and the picture is encoded as a PNG.

They read from the played model (:class:`sim.mesa.app.PlayedModel`): ``positions``, ``ties()``,
``camps()``, ``outcomes``, ``last_year``, ``played``, ``outcome_rule``, ``actors``,
``relations``, ``index``, ``names``, ``start_year``, ``horizon``; and the model table
(:func:`sim.mesa.collect.model_table`).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from sim.names import MAJORS, PROGRAMMES
from sim.outcome.rule import CAMPS
from sim.experiments.plots import CAMP_COLOURS, CAMP_LABELS, OUTCOME_COLOURS

DPI = 90
PROGRAMME_LABELS = {"artemis": "Artemis Accords", "ilrs": "ILRS", "iss": "ISS",
                    "tiangong": "Tiangong"}
PROGRAMME_COLOURS = {"artemis": "#1f77b4", "ilrs": "#d62728", "iss": "#17becf",
                     "tiangong": "#ff7f0e"}
HEDGERS_COLOUR = "#9467bd"
CAMP_ORDER = ("us_led", "china_led", "bridge", "hedger", "non_aligned")
ACROSS_COLOUR = "#8c8c8c"


class LiveFigure:
    """A figure whose fixed parts are laid out and drawn once (:meth:`freeze`); the
    ``changing`` artists are drawn over that background by :meth:`png`."""

    def __init__(self, width: float, height: float):
        self.fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.fig)

    def freeze(self, *changing) -> None:
        self.changing = changing
        for artist in changing:
            artist.set_animated(True)        # left out of the full draw
        self.fig.canvas.draw()               # the constrained layout and the background, once
        self.fig.set_layout_engine("none")
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes."""
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in self.changing:
            self.fig.draw_artist(artist)
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                 "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="png", compress_level=1)
        return out.getvalue()


def _years_axis(ax, model) -> None:
    ax.set_xlim(model.start_year - 1.5, model.horizon + 0.5)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


class NetworkFigure(LiveFigure):
    """The cooperation network of the last year played: mutual cooperation ties (in the
    camp's colour inside a camp, grey across camps), actors coloured by camp and sized by
    capability, at positions fixed for the run; the major powers labelled."""

    def __init__(self, model):
        super().__init__(5.4, 4.3)
        ax = self.ax = self.fig.add_subplot()
        pos = model.positions
        self.edges = ax.add_collection(LineCollection([], linewidths=0.5, alpha=0.22, zorder=1))
        self.nodes = ax.scatter(pos[:, 0], pos[:, 1], s=10, edgecolors="white",
                                linewidths=0.4, zorder=2)
        for name in MAJORS:
            ax.annotate(name, pos[model.index[name]], xytext=(7, 5), textcoords="offset points",
                        fontsize=10, fontweight="bold", zorder=3)
        for c in CAMP_ORDER:
            ax.scatter([], [], color=CAMP_COLOURS[c], label=f"{CAMP_LABELS[c]} (000)")
        self.legend = ax.legend(loc="lower center", fontsize=8, ncols=2)
        ax.set_xlim(-1.2, 1.2)
        low = min(-3.2, float(pos[:, 1].min()) - 0.15)
        ax.set_ylim(low - 0.12 * (0.3 - low), 0.3)    # room for the legend below the states
        ax.set_xlabel("alignment at the start (China-led −1 … +1 US-led)", fontsize=9)
        ax.set_ylabel("capability at the start (log10; US = 0)", fontsize=9)
        ax.tick_params(labelsize=8)
        self.title = ax.set_title("Cooperation network", fontsize=11)
        self.freeze(self.edges, self.nodes, self.legend, self.title)

    def update(self, model) -> bytes:
        pos, rel = model.positions, model.relations
        tied = model.ties()
        camp = np.array(CAMPS, dtype=object)[model.camps()]
        i, j = rel.i[tied], rel.j[tied]
        self.edges.set_segments(np.stack([pos[i], pos[j]], axis=1))
        self.edges.set_color([CAMP_COLOURS[a] if a == b else ACROSS_COLOUR
                              for a, b in zip(camp[i], camp[j])])
        cap = model.actors.capability[0]
        self.nodes.set_sizes(10 + 300 * np.sqrt(cap / max(cap.max(), 1e-9)))
        self.nodes.set_facecolor([CAMP_COLOURS[c] for c in camp])
        for text, c in zip(self.legend.get_texts(), CAMP_ORDER):
            text.set_text(f"{CAMP_LABELS[c]} ({(camp == c).sum()})")
        when = model.last_year if model.played else f"before {model.start_year}"
        self.title.set_text(f"Cooperation network, {when}: {int(tied.sum())} mutual ties")
        return self.png()


class MembershipFigure(LiveFigure):
    """Members of each programme per year, and the public record's year-end counts as
    dots (``record``: programme -> year -> count; none when there is no record)."""

    def __init__(self, model, record: dict[str, dict[int, int]]):
        super().__init__(5.4, 3.7)
        ax = self.ax = self.fig.add_subplot()
        self.lines = {p: ax.plot([], [], color=PROGRAMME_COLOURS[p], lw=2,
                                 label=PROGRAMME_LABELS[p])[0] for p in PROGRAMMES}
        self.lines["hedgers"] = ax.plot([], [], color=HEDGERS_COLOUR, lw=1.3, ls="--",
                                        label="in both Artemis and ILRS")[0]
        dots = [ax.plot(list(counts), list(counts.values()), "o", color=PROGRAMME_COLOURS[p],
                        markeredgecolor="black", ms=6)[0] for p, counts in record.items()]
        if record:
            ax.plot([], [], "o", color="white", markeredgecolor="black",
                    label="public record, year end")
        _years_axis(ax, model)
        #: the axis shows the counts, not all the actors (a programme holds a few dozen of
        #: the 194); it grows by half when a count comes near its top, up to every actor
        self.most = len(model.names) * 1.03
        seen = [c for counts in record.values() for c in counts.values()]
        ax.set_ylim(0, min(self.most, max([30, *seen, *model.members[0].sum(axis=1)]) * 1.5))
        ax.set_ylabel("members (actors)", fontsize=9)
        self.fig.legend(fontsize=8, loc="outside lower center", ncols=3)
        ax.set_title("Programme membership", fontsize=11)
        self.freeze(*self.lines.values(), *dots)          # the dots over the lines

    def update(self, model, table: pd.DataFrame) -> bytes:
        for p in PROGRAMMES:
            self.lines[p].set_data(table["year"], table[f"members_{p}"])
        self.lines["hedgers"].set_data(table["year"], table["programme_hedgers"])
        top = max([table[f"members_{p}"].max() for p in PROGRAMMES], default=0)
        if top > 0.9 * self.ax.get_ylim()[1] and self.ax.get_ylim()[1] < self.most:
            self.ax.set_ylim(0, min(self.most, top * 1.5))
            self.fig.canvas.draw()          # a new background with the new axis
            self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        return self.png()


class OutcomeFigure(LiveFigure):
    """The indices that decide the outcome, over the final window so far, each drawn in
    the colour of the class its threshold (dotted) decides; the class of each year as a
    band along the bottom."""

    def __init__(self, model):
        super().__init__(5.4, 3.7)
        ax = self.ax = self.fig.add_subplot()
        rule = model.outcome_rule
        self.indices = tuple(
            (k, f"{k} index: {k} at or above the dotted line", k, getattr(rule.thresholds, k))
            for k in ("collaboration", "bloc", "race"))
        self.lines = {}
        for key, label, outcome, threshold in self.indices:
            colour = OUTCOME_COLOURS[outcome]
            self.lines[key] = ax.plot([], [], color=colour, lw=2, label=label)[0]
            ax.axhline(threshold, color=colour, ls=":", lw=1.2)
        years = range(model.start_year, model.horizon + 1)
        self.band = {y: ax.add_patch(Rectangle((y - 0.5, -0.09), 1, 0.06, lw=0, visible=False))
                     for y in years}
        _years_axis(ax, model)
        ax.set_ylim(-0.1, 1.05)
        ax.set_ylabel(f"over the last {rule.window} years", fontsize=9)
        self.fig.legend(fontsize=8, loc="outside lower center", ncols=1)
        self.title = ax.set_title("Outcome so far: no year played yet", fontsize=11)
        self.freeze(*self.lines.values(), *self.band.values(), self.title)

    def update(self, model) -> bytes:
        rows = pd.DataFrame([{k: v for k, v in o.items() if k not in ("labels", "camp_labels")}
                             for o in model.outcomes])
        if len(rows):
            for key, *_ in self.indices:
                self.lines[key].set_data(rows["year"], rows[key])
            for year, outcome in zip(rows["year"], rows["outcome"]):
                self.band[year].set_facecolor(OUTCOME_COLOURS[outcome])
                self.band[year].set_visible(True)
            self.title.set_text(f"Outcome so far: {rows['outcome'].iloc[-1]} "
                                "(band: each year's class)")
        return self.png()
