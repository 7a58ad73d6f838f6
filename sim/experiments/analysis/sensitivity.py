"""Global sensitivity: Sobol or Morris indices (SALib) of each outcome's probability and
each metric, per design, and their plot."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis.runs import (
    MIN_RUNS,
    AnalysisError,
    attach_points,
    classes,
    design_runs,
    group_column,
    pick_metrics,
    point_outputs,
)
from sim.experiments.designs import Design


def sensitivity(runs: pd.DataFrame, design: Design, metrics: list[str] | None = None,
                num_resamples: int = 200, conf_level: float = 0.95, seed: int = 0,
                where="runs") -> pd.DataFrame:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices with bootstrap intervals for every
    outcome share and metric, per job (or scenario). One row per group, output and
    parameter; ``*_low``/``*_high`` are the ``conf_level`` interval."""
    if design.kind not in ("sobol", "morris"):
        raise AnalysisError(f"design kind={design.kind!r}: sensitivity needs a sobol or morris "
                            f"design (a latin design serves discover and policy)")
    runs = attach_points(design_runs(runs, design), design, where)
    if len(runs) < MIN_RUNS:
        raise AnalysisError(f"{where}: {len(runs)} runs of the design; at least {MIN_RUNS} are needed")
    outcomes, metrics = classes(runs), pick_metrics(runs, metrics)
    col = group_column(runs)
    rows = []
    for label, sub in (runs.groupby(col, sort=False) if col else [("all", runs)]):
        y, se2 = point_outputs(sub, design.n_points, outcomes, metrics)
        for output in y.columns:
            values = y[output].to_numpy()
            var = float(np.var(values, ddof=1))
            noise = float(se2[output].mean() / var) if var > 0 else float("nan")
            base = {"group": label, "output": output, "mean": float(values.mean()),
                    "variance": var, "noise_share": noise, "method": design.kind,
                    "points": design.n_points, "runs": len(sub)}
            rows += _indices(design, values, num_resamples, conf_level, seed, base)
    return pd.DataFrame(rows)


def _indices(design: Design, y: np.ndarray, num_resamples, conf_level, seed, base) -> list[dict]:
    if not np.var(y) > 0:      # constant output: no variance to apportion
        return [{**base, "parameter": k, "label": u.label} for k, u in zip(design.keys, design.params)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if design.kind == "sobol":
            from SALib.analyze import sobol as salib_sobol

            res = salib_sobol.analyze(design.problem, y, calc_second_order=bool(
                design.options.get("calc_second_order")), num_resamples=num_resamples,
                conf_level=conf_level, seed=seed)
            cols = {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                    "ST_conf": res["ST_conf"]}
        else:
            from SALib.analyze import morris as salib_morris

            res = salib_morris.analyze(design.problem, design.samples, y,
                                       num_resamples=num_resamples, conf_level=conf_level,
                                       num_levels=int(design.options.get("num_levels", 4)),
                                       seed=seed)
            cols = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                    "sigma": res["sigma"], "mu": res["mu"]}
    out = []
    for j, (k, u) in enumerate(zip(design.keys, design.params)):
        row = {**base, "parameter": k, "label": u.label}
        for name, arr in cols.items():
            row[name] = float(np.asarray(arr)[j])
        for s in ("S1", "ST", "mu_star"):
            if s in row:
                row[f"{s}_low"] = row[s] - row[f"{s}_conf"]
                row[f"{s}_high"] = row[s] + row[f"{s}_conf"]
        if "ST" in row and np.isfinite(base["noise_share"]):
            # seed noise enters every total index (f(A) and f(AB_i) differ by noise even
            # for an inert input): ST - noise_share is the part above that floor
            row["ST_net"] = row["ST"] - base["noise_share"]
        out.append(row)
    return out


def plot_sensitivity(table: pd.DataFrame, path: Path, title: str) -> None:
    """One panel per output: horizontal bars with their intervals, parameters sorted by
    total effect (Sobol: ST and S1; Morris: mu* and sigma)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_savefig

    morris = table["method"].iloc[0] == "morris"
    main, second = ("mu_star", "sigma") if morris else ("ST", "S1")
    outputs = [o for o in table["output"].unique()
               if table.loc[table["output"] == o, main].notna().any()] if main in table else []
    if not outputs:
        return
    n = len(outputs)
    cols = min(3, n)
    nrows = -(-n // cols)
    k = table["parameter"].nunique()
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 0.8 + nrows * (0.9 + 0.28 * k)),
                             squeeze=False)
    for ax, output in zip(axes.flat, outputs):
        sub = table[table["output"] == output].sort_values(main)
        pos = np.arange(len(sub))
        ax.barh(pos + 0.2, sub[main], height=0.4, color="#1f77b4",
                xerr=sub[f"{main}_conf"].clip(lower=0), ecolor="#333", capsize=2,
                label="mu* (mean |effect|)" if morris else "total (ST)")
        ax.barh(pos - 0.2, sub[second], height=0.4, color="#ff7f0e" if morris else "#9ecae1",
                xerr=None if morris else sub["S1_conf"].clip(lower=0), ecolor="#333", capsize=2,
                label="sigma (interactions)" if morris else "first order (S1)")
        ax.set_yticks(pos, sub["label"], fontsize=8)
        noise = sub["noise_share"].iloc[0]
        if not morris and np.isfinite(noise) and noise > 0.005:
            ax.axvline(noise, color="#d62728", ls="--", lw=1,
                       label="seed-noise floor (an inert input's ST)")
        note = f"   seed noise {noise:.0%}" if np.isfinite(noise) else ""
        ax.set_title(f"{output}{note}", fontsize=9)
        ax.axvline(0, color="#999", lw=0.6)
        ax.tick_params(axis="x", labelsize=8)
        if not morris:
            ax.set_xlim(-0.05, 1.05)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = {}, {}
    for ax in axes.flat:            # every kind of mark once, from whichever panel has it
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    handles, labels = list(handles.values()), list(handles)
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    what = ("Morris screening: mu* with its 95% bootstrap interval" if morris else
            "Sobol indices with 95% bootstrap intervals (share of the output's variance)")
    fig.suptitle(f"{title} — {what}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)
