"""The report's pieces about the real world: the calibration's hindcast (observed
programme counts against the posterior predictive bands, the 2023 holdout drawn
distinctly as out-of-sample) and, per scenario, which named states end up in which camp's
programmes.

:func:`world_figures` is what :mod:`sim.experiments.report` calls; :func:`hindcast_figure` is also
used by ``python -m sim.world.calibrate`` to draw ``data/calibration.png``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.experiments.plots import save_figure  # noqa: E402

_TITLES = {"artemis": "Artemis Accords signatories", "ilrs": "ILRS member states"}


def hindcast_figure(cal: dict):
    """Observed year-end counts (dots: fitted through 2022; red diamonds: the 2023+
    holdout, out-of-sample) against the posterior predictive median and 50%/90% bands."""
    pred, obs = cal["predictive"], cal["observed_counts"]
    years = pred["years"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for ax, p in zip(axes, ("artemis", "ilrs")):
        q05, q25, q50, q75, q95 = pred[p]
        ax.fill_between(years, q05, q95, color="tab:blue", alpha=0.18, lw=0, label="model, 90% band")
        ax.fill_between(years, q25, q75, color="tab:blue", alpha=0.38, lw=0, label="model, 50% band")
        ax.plot(years, q50, color="tab:blue", lw=1.5, label="model, median")
        fit = obs["fitted"].get(p, {})
        ax.plot([int(y) for y in fit], list(fit.values()), "o", color="black", ms=6,
                label=f"record (fitted, through {cal['through']})")
        hold = obs.get("holdout", {}).get(p, {})
        if hold:
            ax.plot([int(y) for y in hold], list(hold.values()), "D", mfc="white", mec="tab:red",
                    mew=2, ms=7, label="record (holdout, not fitted)")
        ax.axvline(cal["through"] + 0.5, color="grey", ls=":", lw=1)
        ax.set_title(_TITLES[p])
        ax.set_xlabel("year (end)")
        ax.set_ylabel("states")
        ax.set_xlim(min(years[0], 2020) - 0.5, years[-1] + 0.5)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    par = cal["parameters"]
    text = "; ".join(f"{k} = {v['mean']:.2f} (90%: {v['q05']:.2f}–{v['q95']:.2f})"
                     for k, v in par.items())
    fig.suptitle(f"Hindcast: {cal['method']} on the record through {cal['date_range'][1]} "
                 f"({cal['record_file']}), posterior predictive of the default world\n{text}",
                 fontsize=9)
    return fig


def world_figures(out: Path) -> list[tuple[str, str]]:
    """The hindcast of ``data/calibration.json`` (if there is one) as ``out/hindcast.png``
    and ``.svg``; returns ``[(name, title)]`` for the report page."""
    from sim.world.calibration import load_calibration
    cal = load_calibration()
    if not cal or "predictive" not in cal:
        return []
    fig = hindcast_figure(cal)
    save_figure(fig, out, "hindcast")
    return [("hindcast", "Calibration hindcast: observed programme counts (dots) against the "
                         "model's predictive bands; the 2023 holdout (diamonds) was not fitted")]


def state_membership(runs) -> pd.DataFrame:
    """Per scenario and notable state: the share of runs in which the state is in the
    Artemis Accords / the ILRS / both by 2030 and by the end (the sweep's
    ``joined_<programme>:<state>`` columns; leaving is rare, so "by 2030" is joined by
    2030 and still a member at the end)."""
    import pandas as pd
    cols = [c for c in runs.columns if c.startswith("joined_artemis:")]
    if not cols:
        return pd.DataFrame()
    by = "scenario" if "scenario" in runs.columns else "group"
    rows = []
    for scenario, g in runs.groupby(by, sort=True):
        for c in cols:
            state = c.split(":", 1)[1]
            art = g[c].to_numpy()
            ilrs = g.get(f"joined_ilrs:{state}", pd.Series(0, index=g.index)).to_numpy()
            row = {"scenario": scenario, "state": state, "runs": len(g)}
            for label, year in (("2030", 2030), ("end", None)):
                a = (art > 0) & ((art <= year) if year else True)
                i = (ilrs > 0) & ((ilrs <= year) if year else True)
                row[f"artemis_{label}"] = a.mean()
                row[f"ilrs_{label}"] = i.mean()
                row[f"both_{label}"] = (a & i).mean()
            row["member_from_start"] = bool(((art > 0) & (art < 2021)).all() or ((ilrs > 0) & (ilrs < 2021)).all())
            rows.append(row)
    return pd.DataFrame(rows)


def state_figure(table, out: Path, top: int = 30) -> list[tuple[str, str]]:
    """Heat-map tables: rows the notable states whose membership is in question (not in
    a programme from the start), columns the scenarios; one panel per measure."""
    import numpy as np
    t = table[~table["member_from_start"]]
    if t.empty:
        return []
    spread = t.groupby("state")[["artemis_end", "ilrs_end"]].max().max(axis=1)
    states = spread.sort_values(ascending=False, kind="stable").index[:top].tolist()
    scenarios = sorted(t["scenario"].unique())
    panels = [("artemis_2030", "Artemis by 2030"), ("artemis_end", "Artemis by the end"),
              ("ilrs_end", "ILRS by the end"), ("both_end", "both by the end")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 + 0.45 * len(scenarios) * len(panels),
                                                      1.2 + 0.27 * len(states)),
                             constrained_layout=True, sharey=True)
    for ax, (col, title) in zip(axes, panels):
        grid = t.pivot(index="state", columns="scenario", values=col).reindex(index=states, columns=scenarios)
        ax.imshow(grid.to_numpy(), vmin=0, vmax=1, cmap="Blues" if "ilrs" not in col else "Reds",
                  aspect="auto")
        for (r, c), v in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(v):
                ax.text(c, r, f"{100 * v:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "black")
        ax.set_xticks(range(len(scenarios)), [s.replace("_", " ") for s in scenarios],
                      rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(states)), states, fontsize=8)
        ax.set_title(title + " (% of runs)", fontsize=9)
    save_figure(fig, out, "states")
    return [("states", "Notable states: share of runs in which each is in the Artemis Accords, "
                       "the ILRS or both, by 2030 and by the end (table: state_membership.csv)")]


def capability_shares(runs, out: Path) -> list[tuple[str, str]]:
    """Per scenario, the mean share of world capability in the final year held by the
    US, China, Russia, ESA and everyone else (stacked bars)."""
    import numpy as np
    majors = ["US", "China", "Russia", "ESA"]
    cols = [f"capability_{m}" for m in majors]
    if not set(cols + ["final_total_capability"]) <= set(runs.columns):
        return []
    by = "scenario" if "scenario" in runs.columns else "group"
    total = runs["final_total_capability"].where(runs["final_total_capability"] > 0)
    shares = runs[cols].div(total, axis=0).assign(**{by: runs[by]}).groupby(by).mean()
    shares["rest of the world"] = 1 - shares[cols].sum(axis=1)
    fig, ax = plt.subplots(figsize=(8, max(2.6, 0.9 + 0.42 * len(shares))), constrained_layout=True)
    left = np.zeros(len(shares))
    colours = ["tab:blue", "tab:red", "tab:orange", "tab:cyan", "lightgrey"]
    for col, colour in zip(cols + ["rest of the world"], colours):
        v = shares[col].to_numpy()
        ax.barh(range(len(shares)), v, left=left, color=colour, label=col.replace("capability_", ""))
        for k, (x, w) in enumerate(zip(left, v)):
            if w > 0.05:
                ax.text(x + w / 2, k, f"{100 * w:.0f}%", ha="center", va="center", fontsize=8)
        left += v
    ax.set_yticks(range(len(shares)), [str(s).replace("_", " ") for s in shares.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of world capability in the final year (mean over runs)")
    ax.legend(ncol=5, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    save_figure(fig, out, "capability_shares")
    return [("capability_shares", "Share of world capability in the final year by scenario "
                                  "(US, China, Russia, ESA, the rest)")]


def report_pieces(runs, out: Path) -> list[tuple[str, str]]:
    """Everything this module adds to a sweep report (figures and state_membership.csv)."""
    from sim.io import atomic_write_bytes
    figures = world_figures(out) + capability_shares(runs, out)
    table = state_membership(runs)
    if not table.empty:
        atomic_write_bytes(Path(out) / "state_membership.csv",
                           table.to_csv(index=False, float_format="%.3f").encode())
        figures += state_figure(table, out)
    return figures
