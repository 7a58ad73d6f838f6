"""The policy view: paired runs with a lever off and on (common random numbers), the change
of each outcome's probability with a bootstrap interval, overall and by tercile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analysis.discovery import _num, short_labels
from sim.experiments.analysis.runs import MIN_RUNS, AnalysisError, classes, need_columns


def _matches(series: pd.Series, value: str) -> pd.Series:
    text = series.astype(str)
    hit = text == str(value)
    num = pd.to_numeric(series, errors="coerce")
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = None
    if v is not None:
        hit |= np.isclose(num.to_numpy(float), v, equal_nan=False)
    if str(value).lower() in ("null", "none", "nan"):
        hit |= series.isna()
    return hit


def pair_runs(runs: pd.DataFrame, lever: str, off, on) -> tuple[pd.DataFrame, list[str]]:
    """Runs with the lever off and on, paired on (design point, seed) — or on the seed
    alone when there is no design point (paired seeds, scenario against status quo)."""
    need_columns(runs, ["seed", "outcome", lever], "runs")
    keys = ["design_point", "seed"] if "design_point" in runs.columns else ["seed"]
    a, b = runs[_matches(runs[lever], off)], runs[_matches(runs[lever], on)]
    for name, side, value in (("--off", a, off), ("--on", b, on)):
        if side.empty:
            present = ", ".join(map(str, pd.unique(runs[lever].astype(str))[:12]))
            raise AnalysisError(f"{name}={value!r}: no runs with {lever} = {value}; present: {present}")
        if side.duplicated(keys).any():
            raise AnalysisError(f"{name}={value!r}: several runs share a {' and '.join(keys)}; "
                                f"cannot pair (filter with --scenario)")
    pairs = a.merge(b, on=keys, suffixes=("_off", "_on"))
    if len(pairs) < MIN_RUNS:
        raise AnalysisError(f"{len(pairs)} paired runs ({lever} = {off} vs {on}); at least "
                            f"{MIN_RUNS} are needed")
    return pairs, keys


def policy_effects(runs: pd.DataFrame, lever: str, off, on, by: str | None = None,
                   bins: int = 3, n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The change in each outcome's probability when the lever goes from ``off`` to ``on``,
    with a 95% paired-bootstrap interval: overall and, with ``by``, in each of ``bins``
    quantile bins of that input (so a reader sees where the lever stops helping).

    Columns: region, outcome, pairs, p_off, p_on, change, low, high."""
    from scipy.stats import bootstrap

    pairs, _ = pair_runs(runs, lever, off, on)
    regions = [("all", np.ones(len(pairs), bool))]
    if by:
        col = by if by in pairs.columns else f"{by}_off"
        if col not in pairs.columns:
            raise AnalysisError(f"--by={by!r}: not a column of the runs table")
        values = pd.to_numeric(pairs[col], errors="coerce")
        if values.isna().any():
            raise AnalysisError(f"--by={by!r}: not numeric in every run")
        cut = pd.qcut(values, bins, duplicates="drop")
        for interval in cut.cat.categories:
            mask = (cut == interval).to_numpy()
            inside = values[mask]         # label with the values present, not qcut's padded edge
            lo, hi = _num(inside.min()), _num(inside.max())
            name = short_labels([by])[by]
            regions.append((f"{name} = {lo}" if lo == hi else f"{name} {lo}–{hi}", mask))
    rng = np.random.default_rng(seed)
    rows = []
    for name, mask in regions:
        sub = pairs[mask]
        for o in classes(runs):
            y0 = (sub["outcome_off"] == o).to_numpy(float)
            y1 = (sub["outcome_on"] == o).to_numpy(float)
            d = y1 - y0
            if len(d) < 2 or np.all(d == d[0]):
                low = high = float(d.mean()) if len(d) else float("nan")
            else:
                ci = bootstrap((d,), np.mean, n_resamples=n_resamples, method="percentile",
                               confidence_level=0.95, rng=rng).confidence_interval
                low, high = float(ci.low), float(ci.high)
            rows.append({"lever": lever, "off": str(off), "on": str(on), "region": name,
                         "outcome": o, "pairs": len(d), "p_off": y0.mean(), "p_on": y1.mean(),
                         "change": d.mean(), "low": low, "high": high})
    return pd.DataFrame(rows)


def plot_policy(table: pd.DataFrame, path: Path, title: str) -> None:
    """The change of each outcome's probability (points) with its 95% interval (bars),
    overall and per region, one row per region and a colour per outcome."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.experiments.plots import OUTCOME_COLOURS
    from sim.io import atomic_savefig

    regions = list(dict.fromkeys(table["region"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * len(regions) * max(1, len(outcomes)) / 2))
    step = 0.8 / max(len(outcomes), 1)
    for k, o in enumerate(outcomes):
        sub = table[table["outcome"] == o].set_index("region").reindex(regions)
        pos = np.arange(len(regions))[::-1] + 0.4 - step * (k + 0.5)
        err = np.vstack([sub["change"] - sub["low"], sub["high"] - sub["change"]]).clip(min=0)
        ax.errorbar(sub["change"], pos, xerr=err, fmt="o", color=OUTCOME_COLOURS.get(o, f"C{k}"),
                    capsize=3, label=o)
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_yticks(np.arange(len(regions))[::-1],
                  [f"{r}\n({int(table.loc[table['region'] == r, 'pairs'].iloc[0])} pairs)"
                   for r in regions], fontsize=8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("change in the outcome's probability (lever on − off)\n"
                  "with its 95% paired-bootstrap interval")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)
