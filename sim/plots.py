"""Plots of one run (matplotlib, Agg backend; written atomically)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.io import atomic_savefig  # noqa: E402

CAMP_COLOURS = {"us_led": "#1f77b4", "china_led": "#d62728", "hedging": "#9467bd",
                "nonaligned": "#b0b0b0"}
CAMP_LABELS = {"us_led": "US-led camp", "china_led": "China-led camp", "hedging": "hedgers",
               "nonaligned": "nonaligned"}
OUTCOME_COLOURS = {"collaboration": "#2ca02c", "bloc": "#ff7f0e", "race": "#7f1d1d"}
NAMED_LABELS = 17  # label the named actors (they come first)


def draw_network(ax, network: pd.DataFrame, camps: dict[str, str], capability: dict[str, float],
                 label: set[str], seed: int = 0) -> None:
    """Final cooperation network: ties only, nodes coloured by camp, sized by capability."""
    g = nx.Graph()
    g.add_nodes_from(camps)
    ties = network[network["tie"]]
    g.add_edges_from(zip(ties["a"], ties["b"]))
    pos = nx.spring_layout(g, seed=seed, k=1.5 / np.sqrt(max(len(g), 1)), iterations=60)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.15, width=0.6)
    cap = np.array([capability.get(n, 0.0) for n in g.nodes])
    sizes = 12 + 500 * np.sqrt(cap / max(cap.max(), 1e-9))
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=sizes, linewidths=0.3, edgecolors="white",
                           node_color=[CAMP_COLOURS[camps[n]] for n in g.nodes])
    nx.draw_networkx_labels(g, pos, ax=ax, labels={n: n for n in g.nodes if n in label},
                            font_size=7)
    for camp, colour in CAMP_COLOURS.items():
        count = sum(1 for c in camps.values() if c == camp)
        ax.scatter([], [], color=colour, label=f"{CAMP_LABELS[camp]} ({count})")
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    ax.set_axis_off()


def plot_run(model_df: pd.DataFrame, network: pd.DataFrame, camps: dict[str, str], actors,
             path: str | Path, title: str = "") -> None:
    """Cooperation density and camp sizes over time, and the final network by camp."""
    fig = plt.figure(figsize=(15, 5.6), layout="constrained")
    gs = fig.add_gridspec(2, 2, width_ratios=[1, 1.25])
    ax1, ax2 = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, 0])
    ax3 = fig.add_subplot(gs[:, 1])
    year = model_df["year"]
    ax1.plot(year, model_df["cooperation_density"], label="cooperation density (all relations)")
    ax1.plot(year, model_df["cross_divide_cooperation"], label="cooperation across the divide (majors)")
    ax1.set_ylim(-0.02, 1.02)
    ax1.set_ylabel("share of pairs cooperating")
    ax1.legend(fontsize=8, loc="upper left")
    ax1.grid(alpha=0.3)
    camps_cols = ["camp_us_led", "camp_china_led", "camp_hedging", "camp_nonaligned"]
    ax2.stackplot(year, *(model_df[c] for c in camps_cols),
                  colors=[CAMP_COLOURS[c[5:]] for c in camps_cols],
                  labels=[CAMP_LABELS[c[5:]] for c in camps_cols], alpha=0.85)
    ax2.set_ylabel("actors")
    ax2.set_xlabel("year")
    ax2.set_xlim(year.min(), year.max())
    ax2.legend(fontsize=8, loc="upper left", ncols=2)
    ax2.grid(alpha=0.3)
    cap = dict(zip(actors.names, actors.capability))
    draw_network(ax3, network, camps, cap, set(actors.names[:NAMED_LABELS]))
    ax3.set_title(f"cooperation network, final {int(year.max())} (ties = mutual cooperation)",
                  fontsize=10)
    fig.suptitle(title, fontsize=12)
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)
