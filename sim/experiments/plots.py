"""Plots of one run (matplotlib, Agg backend; written atomically)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# the same figure gives the same SVG bytes (no random ids, no date): reruns diff cleanly
matplotlib.rcParams["svg.hashsalt"] = "spacerace"
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.names import MAJORS  # noqa: E402
from sim.io import atomic_savefig  # noqa: E402
from sim.experiments.summary import group_names, scenario_groups  # noqa: E402

#: one colour per role (sim.outcome.camps.ROLES; one word per meaning, docs/OUTCOMES.md)
CAMP_COLOURS = {"us_led": "#1f77b4", "china_led": "#d62728", "bridge": "#17becf",
                "hedger": "#9467bd", "non_aligned": "#b0b0b0"}
CAMP_LABELS = {"us_led": "US-led", "china_led": "China-led", "bridge": "bridges",
               "hedger": "hedgers (both camps' programmes)", "non_aligned": "non-aligned"}
#: one colour per class (sim.outcome.indices.CLASSES), as in sim.outcome.ternary
OUTCOME_COLOURS = {"collaboration": "#009E73", "bloc": "#0072B2", "race": "#D55E00",
                   "hedged": "#CC79A7", "hegemony": "#E69F00", "ambiguous": "#999999"}
NAMED_LABELS = 17  # label the named actors (they come first)


def camp_layout(camps: dict[str, str], capability: dict[str, float], seed: int = 0) -> dict:
    """Positions by camp: US-led on the left, hedgers in the middle, China-led on the
    right, bridges above, non-aligned below; within a camp the most capable actors sit nearest the
    middle height, the rest spread on a disc (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    centre = {"us_led": (-1.2, 0.0), "bridge": (-0.35, 0.9), "hedger": (0.0, 0.0),
              "china_led": (1.2, 0.0), "non_aligned": (0.0, -1.35)}
    pos = {}
    for camp, (cx, cy) in centre.items():
        members = sorted((n for n in camps if camps[n] == camp),
                         key=lambda n: -capability.get(n, 0.0))
        scale = 0.25 if camp in ("non_aligned", "bridge") else 0.55
        for k, name in enumerate(members):
            r = scale * np.sqrt((k + 0.5) / max(len(members), 1))
            angle = k * 2.399963 + rng.uniform(0, 0.3)      # golden-angle spiral
            pos[name] = (cx + r * np.cos(angle), cy + r * np.sin(angle))
    return pos


def draw_network(ax, network: pd.DataFrame, camps: dict[str, str], capability: dict[str, float],
                 label: set[str], seed: int = 0) -> None:
    """Final cooperation network: ties only, nodes coloured by camp, sized by capability."""
    g = nx.Graph()
    g.add_nodes_from(camps)
    ties = network[network["tie"]]
    g.add_edges_from(zip(ties["a"], ties["b"]))
    pos = camp_layout(camps, capability, seed)
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.12, width=0.5)
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
    camps_cols = ["role_us_led", "role_china_led", "role_bridge", "role_hedger", "role_non_aligned"]
    ax2.stackplot(year, *(model_df[c] for c in camps_cols),
                  colors=[CAMP_COLOURS[c[5:]] for c in camps_cols],
                  labels=[CAMP_LABELS[c[5:]] for c in camps_cols], alpha=0.85)
    ax2.set_ylabel("actors")
    ax2.set_xlabel("year")
    ax2.set_xlim(year.min(), year.max())
    ax2.legend(fontsize=8, loc="upper left", ncols=2)
    ax2.grid(alpha=0.3)
    cap = dict(zip(actors.names, actors.capability[0]))
    draw_network(ax3, network, camps, cap, set(actors.names[:NAMED_LABELS]))
    ax3.set_title(f"cooperation network, final {int(year.max())} (ties = mutual cooperation)",
                  fontsize=10)
    fig.suptitle(title, fontsize=12)
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


# --- sweep plots ------------------------------------------------------------------------

def save_figure(fig, out: Path, name: str) -> None:
    """Write ``fig`` as ``out/<name>.png`` and ``.svg`` (atomically) and close it."""
    for ext in ("png", "svg"):
        atomic_savefig(fig, Path(out) / f"{name}.{ext}", dpi=110)
    plt.close(fig)


def common_part(runs: pd.DataFrame, groups: list[str]) -> str:
    """What the groups share, for a figure title: '' or ' (status_quo)'."""
    scenarios = runs.loc[runs["group"].isin(groups), "scenario"].unique()
    return f" ({scenarios[0]})" if len(scenarios) == 1 else ""


def wrap(text: str, width: int) -> str:
    """Break a label at its spaces (between its parts) into lines of about ``width``."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def plot_outcome_shares(summary: pd.DataFrame, groups, names, out: Path, what: str = "scenario",
                        common: str = "", rank: bool = True) -> None:
    """Bars per group; scenarios ranked from most collaborative to most racing, grid
    points in grid order."""
    sub = summary.set_index("group").loc[groups]
    if rank:
        order = np.argsort(-(sub["share_collaboration"] - sub["share_race"]).to_numpy(),
                           kind="stable")
        sub = sub.iloc[order]
    ticks = [wrap(names[g], 50) + f"  (n={int(n)})" for g, n in zip(sub.index, sub["runs"])]
    lines = sum(t.count("\n") + 1 for t in ticks)
    fig, ax = plt.subplots(figsize=(10.5, 0.3 * lines + 0.4 * len(sub) + 1.8), layout="constrained")
    y = np.arange(len(sub))
    classes = [o for o in OUTCOME_COLOURS if (sub[f"share_{o}"] > 0).any()]   # those that occur
    h = 0.8 / max(len(classes), 1)
    for k, o in enumerate(classes):
        share = sub[f"share_{o}"].to_numpy()
        err = np.clip(np.vstack([share - sub[f"share_{o}_low"], sub[f"share_{o}_high"] - share]), 0, None)
        ax.barh(y + (k - (len(classes) - 1) / 2) * h, 100 * share, height=h,
                color=OUTCOME_COLOURS[o], label=o,
                xerr=100 * err, error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, ticks, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of runs ending in each outcome (%), with 95% confidence interval")
    ax.legend(loc="lower right", ncols=3, fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"How often does each {what} end in collaboration, blocs or a race?{common}")
    save_figure(fig, out, "outcome_shares")


def _grid_axes(n: int, width=4.2, height=2.6):
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.8),
                             sharex=True, sharey=True, layout="constrained", squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


def _label_axes(axes, n: int, ylabel: str) -> None:
    """y label on the first column; x label on the lowest panel of each column."""
    cols = min(3, n)
    for k, ax in enumerate(axes[:n]):
        if k % cols == 0:
            ax.set_ylabel(ylabel)
        if k + cols >= n:
            ax.set_xlabel("year")
            ax.xaxis.set_tick_params(labelbottom=True)


def plot_series(series: pd.DataFrame, groups, names, metrics: dict[str, tuple[str, str]],
                ylabel: str, title: str, out: Path, name: str, ylim=None, common: str = "") -> None:
    fig, axes = _grid_axes(len(groups))
    for ax, g in zip(axes, groups):
        sub = series[series["group"] == g]
        for metric, (label, colour) in metrics.items():
            m = sub[sub["metric"] == metric].sort_values("year")
            ax.plot(m["year"], m["median"], color=colour, label=label, lw=1.6)
            ax.fill_between(m["year"], m["q25"], m["q75"], color=colour, alpha=0.2, lw=0)
        ax.set_title(wrap(names[g], 48), fontsize=9)
        ax.grid(alpha=0.3)
        if ylim:
            ax.set_ylim(*ylim)
    _label_axes(axes, len(groups), ylabel)
    handles, labels = list(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(metrics), fontsize=9)
    fig.suptitle(f"{title}{common} — median and interquartile band across runs", fontsize=11)
    save_figure(fig, out, name)


def plot_camps_stacked(series: pd.DataFrame, groups, names, out: Path, common: str = "") -> None:
    fig, axes = _grid_axes(len(groups))
    cols = ["role_us_led", "role_china_led", "role_bridge", "role_hedger", "role_non_aligned"]
    for ax, g in zip(axes, groups):
        sub = series[(series["group"] == g)].pivot(index="year", columns="metric", values="median")
        total = sub[cols].sum(axis=1).replace(0, 1)
        ax.stackplot(sub.index, *(100 * sub[c] / total for c in cols),
                     colors=[CAMP_COLOURS[c[5:]] for c in cols],
                     labels=[CAMP_LABELS[c[5:]] for c in cols], alpha=0.85)
        ax.set_title(wrap(names[g], 48), fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_xlim(sub.index.min(), sub.index.max())
    _label_axes(axes, len(groups), "actors (% of median total)")
    handles, labels = list(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=9)
    fig.suptitle(f"Camp membership over time (median camp sizes, stacked){common}", fontsize=11)
    save_figure(fig, out, "camps_stacked")


def plot_phase(runs: pd.DataFrame, out: Path) -> bool:
    """Outcome shares as heatmaps over the first two swept parameters (pooled over the rest)."""
    swept = [k for k in runs.attrs.get("swept", []) if k in runs]
    if "design_point" in runs:          # a design's runs (and the keys only they vary) are no grid
        runs = runs[runs["design_point"].isna()]
        swept = [k for k in swept if runs[k].nunique() > 1]
    if "scenario" in runs and runs["scenario"].nunique() > 1:
        swept = swept + ["scenario"]
    numeric = [k for k in swept if pd.api.types.is_numeric_dtype(runs[k])]
    axes_keys = (numeric + [k for k in swept if k not in numeric])[:2]
    if len(axes_keys) < 2:
        return False
    xk, yk = axes_keys
    sub = runs[runs[xk].notna() & runs[yk].notna()]
    table = sub.groupby([yk, xk])["outcome"].value_counts(normalize=True).unstack(fill_value=0)
    xs = sorted(sub[xk].unique(), key=_sort_key)
    ys = sorted(sub[yk].unique(), key=_sort_key)
    fig, axes = plt.subplots(1, 3, figsize=(4.4 * 3 + 1, 0.45 * len(ys) + 2.6),
                             layout="constrained", sharey=True)
    for ax, o in zip(axes, ("collaboration", "bloc", "race")):
        grid = np.full((len(ys), len(xs)), np.nan)
        for (yv, xv), row in table.iterrows():
            grid[ys.index(yv), xs.index(xv)] = row.get(o, 0.0)
        im = ax.imshow(100 * grid, origin="lower", aspect="auto", vmin=0, vmax=100, cmap="viridis")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs], rotation=45, ha="right")
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(xk)
        ax.set_title(f"share ending in {o} (%)")
        for (r, c), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(c, r, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if v < 0.6 else "black")
    axes[0].set_ylabel(yk)
    fig.colorbar(im, ax=axes, shrink=0.8, label="% of runs")
    n = sub.groupby([yk, xk]).size()
    scen = ", ".join(sorted(sub["scenario"].unique())) if "scenario" in sub else ""
    fig.suptitle(f"Phase diagram: outcome shares over {xk} and {yk} ({scen}; "
                 f"{n.min()}–{n.max()} runs per cell)", fontsize=11)
    save_figure(fig, out, "phase_diagram")
    return True


def _sort_key(v):
    return (0, float(v)) if isinstance(v, (int, float, np.number)) else (1, str(v))


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def plot_networks(groups, names, rep_fn, out: Path, common: str = "") -> None:
    fig, axes = _grid_axes(len(groups), width=5.0, height=4.8)
    for ax, g in zip(axes, groups):
        model, network, camps, pick = rep_fn(g)
        cap = dict(zip(model.actors.names, model.actors.capability[0]))
        draw_network(ax, network, camps, cap, set(MAJORS), seed=0)
        ax.set_title(f"{wrap(names[g], 52)}\n{pick['outcome']} (seed {int(pick['seed'])})",
                     fontsize=9)
    fig.suptitle(f"Final-year cooperation network of a representative run{common}, coloured by "
                 "camp\n(modal outcome, tie density nearest the median)", fontsize=11)
    save_figure(fig, out, "networks")


def sweep_figures(runs, summary, series, jobs, out: Path, rep_fn) -> list[tuple[str, str]]:
    """Draw every sweep plot into ``out``; returns (file stem, title) pairs for the page."""
    groups = scenario_groups(runs, jobs)
    names = group_names(runs, groups)
    whole = {j["label"] for j in jobs if len(j["points"]) <= 1}
    scenarios = runs.loc[runs["group"].isin(groups), "job"].isin(whole).all()
    what = "scenario" if scenarios else "grid point"
    common = common_part(runs, groups) if not scenarios else ""
    n_all = runs["group"].nunique() if not scenarios else len(groups)
    shown = f" (first {len(groups)} of {n_all})" if n_all > len(groups) else ""
    figures = []
    plot_outcome_shares(summary, groups, names, out, what, common, rank=scenarios)
    figures.append(("outcome_shares", f"Outcome shares per {what} with 95% confidence "
                                      f"intervals{shown}"))
    plot_series(series, groups, names,
                {"cooperation_density": ("cooperation density (all relations)", "#1f77b4"),
                 "cross_divide_cooperation": ("cooperation across the divide (major powers)", "#2ca02c")},
                "share of pairs cooperating", "Cooperation over time", out, "timeseries_cooperation",
                ylim=(-0.02, 1.02), common=common)
    figures.append(("timeseries_cooperation", f"Cooperation density over time{shown}"))
    plot_series(series, groups, names,
                {f"role_{c}": (CAMP_LABELS[c], CAMP_COLOURS[c]) for c in ("us_led", "china_led", "bridge", "hedger")},
                "actors", "Camp sizes over time", out, "timeseries_camps", common=common)
    figures.append(("timeseries_camps", f"Camp sizes over time{shown}"))
    plot_series(series, groups, names,
                {"members_artemis": ("Artemis Accords", "#1f77b4"), "members_ilrs": ("ILRS", "#d62728"),
                 "members_tiangong": ("Tiangong", "#ff7f0e"), "members_iss": ("ISS", "#17becf"),
                 "programme_hedgers": ("in both Artemis and ILRS", "#9467bd")},
                "member states", "Programme membership over time", out, "timeseries_programmes",
                common=common)
    figures.append(("timeseries_programmes", f"Programme membership over time{shown}"))
    plot_camps_stacked(series, groups, names, out, common)
    figures.append(("camps_stacked", f"Camp membership over time (stacked){shown}"))
    if plot_phase(runs, out):
        figures.append(("phase_diagram", "Phase diagram over two swept parameters"))
    plot_networks(groups, names, rep_fn, out, common)
    figures.append(("networks", f"Final cooperation network of a representative run per "
                                f"{what}{shown}"))
    return figures
