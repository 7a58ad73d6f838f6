"""The report's outcome pieces (issue 11): runs in the bloc–race–collaboration triangle,
how the class shares move when a threshold moves by ±20%, the US–China stage game per
scenario over time, and what each lever does against status_quo on the quantities it
targets (paired seeds).

Called from :func:`sim.experiments.report.build` with the runs table (one row per run, the indices and
classes of :mod:`sim.outcome.rule`) and the jobs (their chunk stores hold the yearly model
tables). Everything here reads stored results; nothing is re-run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.outcome.indices import CLASSES, threshold_robustness
from sim.game.payoffs import GAME_TYPES

#: the periods of the US–China game table
PERIODS = ((2021, 2025), (2026, 2030), (2031, 2040), (2041, 2050))
BASELINE = "status_quo"


@dataclass(frozen=True)
class Target:
    """A quantity a lever acts on: a model-table column, averaged per run over the years
    from ``since`` (the lever's first year) to the end."""

    label: str
    column: str
    since: int
    until: int = 9999


def _targets(since: int, *columns: tuple[str, str], until: int = 9999) -> tuple[Target, ...]:
    """Targets over the same years: ``(label, column)`` pairs from ``since`` to ``until``."""
    return tuple(Target(label, column, since, until) for label, column in columns)


#: What each scenario's lever targets (its header in scenarios/ states the pathway).
LEVER_TARGETS: dict[str, tuple[Target, ...]] = {
    "wolf_repeal": _targets(2025, ("US–China mutual cooperation (share of years)", "us_china_cooperation"),
                            ("US–China games that are deadlocks (US side)", "deadlock_us_china")),
    "iss_extended": _targets(2031, ("Tiangong members", "members_tiangong"), ("ISS members", "members_iss"),
                             until=2039),
    "open_station_diplomacy": _targets(2022, ("Tiangong members", "members_tiangong"),
                                       ("ILRS members", "members_ilrs")),
    "europe_bridge": _targets(2021, ("ESA–China mutual cooperation", "coop_ESA_China"),
                              ("Canada–China mutual cooperation", "coop_Canada_China"),
                              ("ESA–US mutual cooperation", "coop_ESA_US")),
    "russia_junior_partner": _targets(2021, ("Russia–China mutual cooperation", "coop_Russia_China"),
                                      ("Russia–US mutual cooperation", "coop_Russia_US")),
    "sino_russian_alliance": _targets(2021, ("Russia–China mutual cooperation", "coop_Russia_China"),
                                      ("ILRS members", "members_ilrs")),
    "cold_war_race": _targets(2021, ("racing spending", "racing_spending"),
                              ("cooperation density", "cooperation_density")),
    "global_collaboration": _targets(2021, ("US–China mutual cooperation", "us_china_cooperation"),
                                     ("cross-divide cooperation (majors)", "cross_divide_cooperation")),
}


def _yearly(job: dict, columns: list[str]) -> pd.DataFrame:
    """The job's yearly model tables (run_id, year and ``columns``), all chunks."""
    paths = [job["store"].paths(k)[1] for k in job["chunks"]]
    if not paths:
        return pd.DataFrame(columns=["run_id", "year", *columns])
    return pq.ParquetDataset(paths).read(columns=["run_id", "year", *columns]).to_pandas()


def _whole_jobs(jobs: list[dict]) -> dict[str, dict]:
    """Scenario jobs without a grid, by scenario (the first job of each scenario)."""
    out = {}
    for j in jobs:
        if len(j["points"]) <= 1 and j["chunks"]:
            out.setdefault(j["scenario"], j)
    return out


# --- ternary and threshold robustness ------------------------------------------------------

def ternary(runs: pd.DataFrame, groups: list[str], names: dict, out: Path) -> bool:
    from sim.experiments.plots import save_figure
    from sim.outcome.ternary import ternary_figure
    sub = runs[runs["group"].isin(groups)].copy()
    if sub.empty:
        return False
    sub["panel"] = sub["group"].map(names)
    sub["class"] = sub["outcome"]
    fig = ternary_figure(sub, by="panel")
    save_figure(fig, out, "ternary")
    return True


def robustness_table(runs: pd.DataFrame, groups: list[str], names: dict) -> str:
    """HTML: each group's class shares, and the largest share shift (percentage points)
    when each class threshold moves by ×0.8 or ×1.2, one at a time."""
    sub = runs[runs["group"].isin(groups)].copy()
    if sub.empty:
        return ""
    sub["panel"] = sub["group"].map(names)
    rob = threshold_robustness(sub, by="panel").reset_index()
    base = rob[rob["threshold"] == "none"].set_index("panel")
    moved = rob[rob["threshold"] != "none"]
    settings = list(dict.fromkeys(zip(moved["threshold"], moved["factor"])))
    present = [c for c in CLASSES if (base[c] > 0).any()]
    head = ("<th>group</th><th>runs</th>" + "".join(f"<th>{c}</th>" for c in present)
            + "".join(f"<th>{t} ×{f:g}</th>" for t, f in settings))
    rows = []
    for panel in base.index:
        b = base.loc[panel]
        cells = f"<td>{html.escape(str(panel))}</td><td class=num>{int(b['n'])}</td>"
        cells += "".join(f"<td class=num>{100 * b[c]:.0f}%</td>" for c in present)
        for t, f in settings:
            r = moved[(moved["panel"] == panel) & (moved["threshold"] == t)
                      & (moved["factor"] == f)]
            cells += f"<td class=num>{100 * float(r['max_shift'].iloc[0]):.0f}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return ("<h2>How the class shares move with the thresholds</h2><p>Class shares at the "
            "fixed thresholds (0.5 each), then the largest change of any class share, in "
            "percentage points, when one threshold is multiplied by 0.8 or 1.2 (the others "
            "fixed).</p><div class=scroll><table><thead><tr>" + head + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


# --- the US–China stage game over time -----------------------------------------------------

def us_china_table(jobs: list[dict]) -> str:
    """HTML: per scenario and period, the share of run-years in which the US's stage game
    toward China is each type, and the share in which the Wolf Amendment blocks the US."""
    from sim.mechanisms.wolf_amendment import WolfAmendment
    rows = []
    for scenario, job in _whole_jobs(jobs).items():
        data = _yearly(job, ["game_us_china"])
        wolf = WolfAmendment(job["config"]["mechanisms"]["wolf_amendment"])
        for lo, hi in PERIODS:
            d = data[(data["year"] >= lo) & (data["year"] <= hi)]
            if d.empty:
                continue
            codes = d["game_us_china"].to_numpy().astype(int)
            shares = {g: float(np.mean(codes == k)) for k, g in enumerate(GAME_TYPES)}
            blocked = np.mean([wolf.in_force(int(y)) for y in d["year"]])
            cells = (f"<td>{html.escape(scenario)}</td><td>{lo}–{hi}</td>"
                     + "".join(f"<td class=num>{100 * shares[g]:.0f}%</td>"
                               for g in GAME_TYPES if g != "degenerate")
                     + f"<td class=num>{100 * blocked:.0f}%</td>")
            rows.append(f"<tr>{cells}</tr>")
    if not rows:
        return ""
    head = ("<th>scenario</th><th>years</th>" + "".join(
        f"<th>{g.replace('_', ' ')}</th>" for g in GAME_TYPES if g != "degenerate")
        + "<th>Wolf Amendment in force</th>")
    return ("<h2>The US–China stage game over time</h2><p>Share of run-years in which the "
            "US's stage game toward China (after relative gains) is of each type; it moves "
            "with China's transparency and dual use, the threat perception, the rules of the "
            "road and relative capability (sim/game/payoffs.py). While the Wolf Amendment is in "
            "force the US's move is forced to compete whatever the game.</p>"
            "<div class=scroll><table><thead><tr>" + head + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


# --- what each lever does ---------------------------------------------------------------------

def _per_run(job: dict, runs: pd.DataFrame, target: Target) -> pd.Series:
    """Per seed: the target's mean over the years from ``target.since``."""
    column = "game_us_china" if target.column == "deadlock_us_china" else target.column
    data = _yearly(job, [column])
    data = data[(data["year"] >= target.since) & (data["year"] <= target.until)]
    if target.column == "deadlock_us_china":
        data[column] = (data[column] == GAME_TYPES.index("deadlock")).astype(float)
    mean = data.groupby("run_id")[column].mean()
    seeds = runs[runs["job"] == job["label"]].set_index("run_id")["seed"]
    return pd.Series(mean.to_numpy(), index=seeds.reindex(mean.index).to_numpy())


def lever_effects(runs: pd.DataFrame, jobs: list[dict]) -> pd.DataFrame:
    """Paired effects (scenario minus status_quo, same seeds) on each lever's targets."""
    from scipy import stats
    whole = _whole_jobs(jobs)
    if BASELINE not in whole:
        return pd.DataFrame()
    out = []
    for scenario, targets in LEVER_TARGETS.items():
        if scenario not in whole:
            continue
        for t in targets:
            on = _per_run(whole[scenario], runs, t)
            off = _per_run(whole[BASELINE], runs, t)
            seeds = on.index.intersection(off.index)
            d = (on.loc[seeds] - off.loc[seeds]).to_numpy(dtype=float)
            if len(d) < 2:
                continue
            mean, sd = float(d.mean()), float(d.std(ddof=1))
            half = float(stats.t.ppf(0.975, len(d) - 1) * sd / np.sqrt(len(d)))
            years = f"{t.since}–" + (str(t.until) if t.until < 9999 else "")
            out.append({"scenario": scenario, "target": t.label, "years": years,
                        "status_quo": float(off.loc[seeds].mean()),
                        "scenario_mean": float(on.loc[seeds].mean()), "effect": mean,
                        "low": mean - half, "high": mean + half, "pairs": len(d),
                        "identical": int(np.sum(d == 0))})
    return pd.DataFrame(out)


def lever_table(effects: pd.DataFrame) -> str:
    if effects.empty:
        return ""
    rows = []
    for _, r in effects.iterrows():
        nil = r["low"] <= 0 <= r["high"]
        note = "nil (interval holds 0)" if nil else ("raises" if r["effect"] > 0 else "lowers")
        rows.append(
            f"<tr><td>{html.escape(r['scenario'])}</td><td>{html.escape(r['target'])}</td>"
            f"<td>{r['years']}</td><td class=num>{r['status_quo']:.3g}</td>"
            f"<td class=num>{r['scenario_mean']:.3g}</td><td class=num>{r['effect']:+.3g} "
            f"<small>({r['low']:+.3g} … {r['high']:+.3g})</small></td>"
            f"<td class=num>{int(r['identical'])}/{int(r['pairs'])}</td><td>{note}</td></tr>")
    return ("<h2>What each lever does</h2><p>Each scenario against status_quo with the same "
            "seeds (paired): the mean of each targeted quantity over the years the lever "
            "touches, per run, and the mean paired difference with its 95% t-interval; "
            "'identical' counts the pairs with no difference at all. A nil effect is a "
            "finding: see the scenario's header for the pathway and why it may not act.</p>"
            "<div class=scroll><table><thead><tr><th>scenario</th><th>target</th>"
            "<th>years</th><th>status_quo</th><th>scenario</th><th>effect (95% CI)</th>"
            "<th>identical</th><th></th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>")


def section(runs: pd.DataFrame, jobs: list[dict], out: Path, groups: list[str],
            names: dict, plots: bool = True) -> tuple[list[tuple[str, str]], str]:
    """The figures (file stem, title) and the HTML of the outcome pieces."""
    figures = []
    if plots and ternary(runs, groups, names, out):
        figures.append(("ternary", "Runs in the bloc–race–collaboration triangle (indices "
                                   "normalised; colour: class)"))
    effects = lever_effects(runs, jobs)
    if not effects.empty:
        effects.to_csv(out / "lever_effects.csv.tmp", index=False)
        (out / "lever_effects.csv.tmp").replace(out / "lever_effects.csv")
    text = robustness_table(runs, groups, names) + us_china_table(jobs) + lever_table(effects)
    return figures, text
