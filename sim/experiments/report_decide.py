"""The report's section "What decides the outcome", from the design jobs of a results folder.

A sweep over a sampling design (``+sweep.design``, :mod:`sim.experiments.plan`) runs each scenario
over the declared uncertainties (``configs/uncertainties``) instead of one parameter set.
This module reads those jobs from the report's runs table (``design_point`` and one
column per design key) and their ``design.json`` files, and writes, beside the rest of
the report:

* **outcome shares under uncertainty** — per scenario, the shares of a Latin-hypercube
  ensemble (each run draws its parameters) beside the point-estimate shares of the
  scenario's fixed-parameter runs (``decide-ensemble.png``, a table);
* **sensitivity** — Morris (mu*, sigma) or Sobol (S1, ST) indices of each outcome share
  from a Morris or Sobol job (:func:`sim.experiments.analysis.sensitivity.sensitivity`; ``decide-sensitivity.png``);
* **scenario discovery** — PRIM boxes as rules and their peeling trajectory (the
  trade-off between coverage and density) with a CART cross-check, over the uncertainty-
  and-lever space of a job that puts levers on a grid around a design
  (:func:`sim.experiments.analysis.discovery.discover`; ``decide-discover-<outcome>.png``);
* **the policy view** — per lever on that job's grid, the change in each outcome's
  probability from its status-quo option to the other, over paired runs (same design
  point, seed and other levers), with 95% bootstrap intervals
  (:func:`sim.experiments.analysis.policy.policy_effects`; ``decide-levers.png``, a table);
* a closing note that says, from these numbers, which uncertainties and levers decide
  the outcomes.

Every piece is drawn only when its jobs are there; without any design job the section is
empty. The analyses are the library's (:mod:`sim.experiments.analyze`); this module only picks the
jobs, lays out the page and words the numbers.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.analyze import _safe
from sim.experiments.analysis.discovery import discover, plot_discovery
from sim.experiments.analysis.policy import plot_policy, policy_effects
from sim.experiments.analysis.runs import AnalysisError, classes, find_designs
from sim.experiments.analysis.sensitivity import plot_sensitivity, sensitivity

#: PRIM is run for an outcome only when its share of the runs lies in this range.
DISCOVER_RANGE = (0.03, 0.97)


def _note(text: str) -> None:
    """A part of the section left out, and why (one line on stderr; the report goes on)."""
    print(f"note: what decides the outcome: {text}", file=sys.stderr)


def _design_jobs(root: Path, runs: pd.DataFrame) -> dict:
    """{job label: Design} for the jobs of ``runs`` that ran a design."""
    if "design_point" not in runs or runs["design_point"].isna().all():
        return {}
    labels = runs.loc[runs["design_point"].notna(), "job"].unique()
    found = find_designs(root, runs[runs["job"].isin(labels)], required=False)
    return {job: d for job, d in found.items() if job is not None}


def _grid_keys(jobs: list[dict], label: str) -> list[str]:
    job = next(j for j in jobs if j["label"] == label)
    return list(job["config"]["sweep"]["grid"] or {})


def _fig(name: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{html.escape(name)}.png" alt="{html.escape(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>")


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# --- outcome shares under uncertainty ----------------------------------------------------

def ensemble_table(runs: pd.DataFrame, jobs: list[dict], designs: dict) -> pd.DataFrame:
    """Per scenario and outcome: share and 95% Wilson interval of the point-estimate runs
    (jobs without design or grid) and of the Latin-hypercube ensemble (latin jobs without
    grid). Only scenarios that have both."""
    from sim.experiments.stats import wilson

    plain = {j["label"] for j in jobs if len(j["points"]) <= 1}
    ens = {job for job, d in designs.items() if d.kind == "latin" and not _grid_keys(jobs, job)}
    outcomes = classes(runs)
    rows = []
    for scenario in dict.fromkeys(runs["scenario"]):
        point = runs[(runs["scenario"] == scenario) & runs["job"].isin(plain)]
        ensemble = runs[(runs["scenario"] == scenario) & runs["job"].isin(ens)]
        if point.empty or ensemble.empty:
            continue
        for o in outcomes:
            row = {"scenario": scenario, "outcome": o}
            for name, sub in (("point", point), ("ensemble", ensemble)):
                k, n = int((sub["outcome"] == o).sum()), len(sub)
                lo, hi = wilson(k, n)
                row.update({f"{name}_runs": n, f"{name}": k / n, f"{name}_low": float(lo),
                            f"{name}_high": float(hi)})
            if o == outcomes[0]:
                row["points"] = int(ensemble["design_point"].nunique())
            rows.append(row)
    return pd.DataFrame(rows)


def plot_ensemble(table: pd.DataFrame, path: Path) -> None:
    """One panel per outcome: each scenario's point-estimate share (open circle) and
    ensemble share (filled), with 95% intervals."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.experiments.plots import OUTCOME_COLOURS
    from sim.io import atomic_savefig

    outcomes = list(dict.fromkeys(table["outcome"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    first = table[table["outcome"] == outcomes[0]].set_index("scenario")
    order = sorted(scenarios, key=lambda s: first.loc[s, "ensemble"])
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.6 * len(outcomes) + 1.6,
                                                        1.2 + 0.42 * len(scenarios)),
                             sharey=True, squeeze=False)
    for ax, o in zip(axes[0], outcomes):
        sub = table[table["outcome"] == o].set_index("scenario").reindex(order)
        pos = np.arange(len(order))
        c = OUTCOME_COLOURS.get(o, "#555")
        for name, dy, face in (("point", 0.17, "white"), ("ensemble", -0.17, c)):
            err = np.vstack([sub[name] - sub[f"{name}_low"], sub[f"{name}_high"] - sub[name]])
            ax.errorbar(sub[name], pos + dy, xerr=err.clip(min=0), fmt="o", color=c, mfc=face,
                        capsize=2, ms=5, label={"point": "fixed parameters (point estimate)",
                                                "ensemble": "over the uncertainties (ensemble)"}[name])
        ax.set_title(f"share ending in {o}", fontsize=10)
        ax.set_xlim(-0.03, 1.03)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.grid(axis="x", color="#eee")
        ax.set_yticks(pos, order, fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle("Outcome shares: one parameter set against the uncertainty ensemble "
                 "(95% intervals)", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


def per_outcome_table(table: pd.DataFrame, by: str, head: str, first_cells, cell) -> str:
    """An HTML table with a row per ``by`` value: ``first_cells(key, row)`` then
    ``cell(row)`` for each outcome (the rows of ``table`` are per ``by`` and outcome)."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    rows = []
    for key, sub in table.groupby(by, sort=False):
        sub = sub.set_index("outcome")
        cells = first_cells(key, sub.iloc[0]) + "".join(cell(sub.loc[o]) for o in outcomes)
        rows.append(f"<tr>{cells}</tr>")
    return (f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table></div>")


def ensemble_html(table: pd.DataFrame) -> str:
    head = "<th>scenario</th><th>runs (fixed / ensemble)</th>" + "".join(
        f"<th>{html.escape(o)}: fixed</th><th>{html.escape(o)}: ensemble</th>"
        for o in dict.fromkeys(table["outcome"]))
    return per_outcome_table(
        table, "scenario", head,
        lambda scenario, r: (f"<td>{html.escape(scenario)}</td><td class=num>"
                             f"{int(r['point_runs'])} / {int(r['ensemble_runs'])}</td>"),
        lambda r: "".join(f"<td class=num>{_pct(r[name])} <small>({_pct(r[f'{name}_low'])}–"
                          f"{_pct(r[f'{name}_high'])})</small></td>" for name in ("point", "ensemble")))


# --- sensitivity ---------------------------------------------------------------------------

def sensitivity_tables(runs: pd.DataFrame, designs: dict) -> dict:
    """{job: sensitivity table of the outcome shares} for the Morris and Sobol jobs."""
    out = {}
    for job, design in designs.items():
        if design.kind not in ("morris", "sobol"):
            continue
        sub = runs[runs["job"] == job]
        try:
            table = sensitivity(sub, design, metrics=[], where=f"job {job}")
        except AnalysisError as e:
            _note(f"{job}: no sensitivity analysis ({e})")
            continue
        out[job] = table
    return out


def ranking(table: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """{output: [(input label, index), ...]} by the main index (mu* or ST), largest first."""
    main = "mu_star" if table["method"].iloc[0] == "morris" else "ST"
    out = {}
    for output, sub in table.groupby("output", sort=False):
        sub = sub[sub[main].notna()].sort_values(main, ascending=False)
        out[output] = [(r.label, float(getattr(r, main))) for r in sub.itertuples()]
    return out


# --- discovery and levers ---------------------------------------------------------------------

def lever_jobs(designs: dict, jobs: list[dict]) -> list[str]:
    """Design jobs with levers on their grid (paired runs for the policy view)."""
    return [job for job in designs if _grid_keys(jobs, job)]


def discoveries(runs: pd.DataFrame, design, levers: list[str]) -> list[dict]:
    inputs = design.keys + levers
    nominal = {u.key for u in design.params if u.kind == "categorical"} | set(levers)
    results = []
    for o in classes(runs):
        share = float((runs["outcome"] == o).mean())
        if not DISCOVER_RANGE[0] <= share <= DISCOVER_RANGE[1]:
            continue
        try:
            results.append(discover(runs, o, inputs, nominal=nominal))
        except AnalysisError as e:
            _note(f"no scenario discovery for {o} ({e})")
    return results


def significant(result: dict, alpha: float = 0.05) -> list[str]:
    """The inputs of a PRIM box whose restriction is more than chance (EMA's quasi-p of
    a restricted side below ``alpha``), by label."""
    out = []
    for dim, p in result["quasi_p"].items():
        sides = np.atleast_1d(p).astype(float)
        sides = sides[sides >= 0]                   # -1: a side left unrestricted
        if len(sides) and sides.max() < alpha:     # as the figure shows it (its largest)
            out.append(result["labels"].get(dim, dim))
    return out


def lever_effects(runs: pd.DataFrame, levers: list[str]) -> pd.DataFrame:
    """Per lever on the grid: each outcome's probability with the lever at its first
    (status-quo) value and at its last, over runs paired on design point, seed and the
    other levers' values; change with a 95% paired-bootstrap interval."""
    parts = []
    for lever in levers:
        values = list(dict.fromkeys(runs[lever].tolist()))
        if len(values) < 2:
            continue
        off, on = values[0], values[-1]
        others = [k for k in levers if k != lever]
        sub = runs.copy()
        # a pair: the same design point, seed and setting of every other lever
        keys = sub[["design_point", *others]].apply(
            lambda col: col.map(lambda v: "null" if pd.isna(v) else str(v))).agg("|".join, axis=1)
        sub["design_point"] = pd.factorize(keys)[0]
        text = lambda v: "null" if v is None or (isinstance(v, float) and np.isnan(v)) else \
            (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        try:
            table = policy_effects(sub, lever, text(off), text(on))
        except AnalysisError as e:
            _note(f"no policy view for {lever} ({e})")
            continue
        table["off_label"], table["on_label"] = text(off), text(on)
        parts.append(table)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def lever_labels(levers: list[str]) -> dict[str, str]:
    """A lever's key without its config group: wolf_amendment.repeal_year, iss_retirement.year."""
    return {k: k.split(".", 1)[-1] for k in levers}


def plot_levers(table: pd.DataFrame, path: Path) -> None:
    """Change of each outcome's probability per lever with 95% intervals (the library's
    policy plot, one row per lever)."""
    labels = lever_labels(list(dict.fromkeys(table["lever"])))
    rows = table.assign(region=[f"{labels[lv]}: {a} → {b}" for lv, a, b in
                                zip(table["lever"], table["off_label"], table["on_label"])])
    plot_policy(rows, path, "What each lever buys across the uncertainty ensemble")


def levers_html(table: pd.DataFrame) -> str:
    labels = lever_labels(list(dict.fromkeys(table["lever"])))
    head = "<th>lever</th><th>status quo → on</th><th>pairs</th>" + "".join(
        f"<th>{html.escape(o)}</th>" for o in dict.fromkeys(table["outcome"]))

    def cell(r) -> str:
        sure = r["low"] > 0 or r["high"] < 0            # the interval excludes zero
        change = f"{100 * r['change']:+.0f} pp"
        return (f"<td class=num>{f'<b>{change}</b>' if sure else change} <small>("
                f"{100 * r['low']:+.0f} to {100 * r['high']:+.0f}; {_pct(r['p_off'])} → "
                f"{_pct(r['p_on'])})</small></td>")

    return per_outcome_table(
        table, "lever", head,
        lambda lever, r: (f"<td>{html.escape(labels[lever])}</td><td>{html.escape(r['off_label'])}"
                          f" → {html.escape(r['on_label'])}</td><td class=num>{int(r['pairs'])}</td>"),
        cell)


# --- the section -------------------------------------------------------------------------------

def section(root: Path, runs: pd.DataFrame, jobs: list[dict], out: Path, plots: bool = True) -> str:
    """The HTML of the section (empty without design jobs); writes its figures and CSV
    tables into ``out``."""
    from sim.experiments.uncertainties import DesignError
    from sim.io import atomic_write_bytes

    try:
        designs = _design_jobs(Path(root), runs)
    except (AnalysisError, DesignError) as e:     # e.g. an edited design.json
        _note(f"left out: {e}")
        return ""
    if not designs:
        return ""
    parts, notes = ["<h2>What decides the outcome</h2>"], []

    table = ensemble_table(runs, jobs, designs)
    if not table.empty:
        atomic_write_bytes(out / "decide-ensemble.csv", table.to_csv(index=False, float_format="%.4g").encode())
        if plots:
            plot_ensemble(table, out / "decide-ensemble.png")
            parts.append(_fig("decide-ensemble", "outcome shares, fixed parameters and ensemble",
                              "Outcome shares per scenario with one parameter set (open circles: "
                              "the scenario runs above, seeds only) and over the declared "
                              "uncertainties (filled: a Latin hypercube, each run draws its "
                              "parameters). Where the two differ, the point estimate's narrow "
                              "interval hides what we do not know."))
        n_pts = int(table["points"].dropna().iloc[0])
        parts.append(f"<p>Each scenario's ensemble samples {n_pts} points of "
                     f"<code>configs/uncertainties/default.yaml</code> (narrowed to the scenario: "
                     f"the keys a scenario sets stay fixed). Brackets are 95% Wilson intervals "
                     f"over runs (the seeds of one design point share its parameters, so with "
                     f"several seeds per point they are somewhat too narrow).</p>" + ensemble_html(table))
        first = table["outcome"].iloc[0]
        t = table[table["outcome"] == first]
        gap = (t["ensemble"] - t["point"]).abs()
        worst = t.iloc[int(np.argmax(gap.to_numpy()))]
        notes.append(f"Over the uncertainties, the share of {first} moves by up to "
                     f"{100 * gap.max():.0f} points from the fixed-parameter estimate "
                     f"({worst['scenario']}: {_pct(worst['point'])} fixed, "
                     f"{_pct(worst['ensemble'])} in the ensemble).")

    sens = sensitivity_tables(runs, designs)
    for job, stable in sens.items():
        atomic_write_bytes(out / "decide-sensitivity.csv",
                           stable.to_csv(index=False, float_format="%.5g").encode())
        method = stable["method"].iloc[0]
        if plots:
            plot_sensitivity(stable, out / "decide-sensitivity.png",
                               f"{job}: {int(stable['points'].iloc[0])} design points, "
                               f"{int(stable['runs'].iloc[0])} runs")
            what = ("Morris screening: mu* (blue) is the mean absolute change of the outcome's "
                    "share when an input moves across its whole range (a log range for "
                    "multipliers); sigma (orange) is large when the input acts through "
                    "interactions or non-linearly" if method == "morris" else
                    "Sobol indices: the share of the outcome's variance an input explains "
                    "alone (S1) and with its interactions (ST); the dashed line is the floor "
                    "seed noise puts under every ST")
            parts.append(_fig("decide-sensitivity", "sensitivity of the outcome shares",
                              f"Which uncertainties move the outcome ({html.escape(job)}). {what}. "
                              f"Each design point's share is over its seeds; an index below its "
                              f"panel's seed-noise share cannot be told from noise."))
        for output, ranked in ranking(stable).items():
            if ranked and ranked[0][1] > 0 and output.startswith("share "):
                top = ", ".join(f"{lab} ({v:.2f})" for lab, v in ranked[:3])
                notes.append(f"The share of {output[6:]} is moved most by {top} "
                             f"({'mu*, in share per whole range' if method == 'morris' else 'total Sobol index'}).")
        break                                   # one sensitivity figure: the first job

    for job in lever_jobs(designs, jobs)[:1]:
        design, levers = designs[job], _grid_keys(jobs, job)
        sub = runs[runs["job"] == job]
        found = discoveries(sub, design, levers)
        if found:
            parts.append(f"<h3>Where each outcome happens (scenario discovery, {html.escape(job)})</h3>"
                         f"<p>PRIM peels the space of uncertainties and levers ({len(sub)} runs) "
                         f"down to a box where the outcome is common; each rule says how often "
                         f"the outcome happens inside the box (density) and what part of all its "
                         f"runs the box holds (coverage). CART, a decision tree, cross-checks it. "
                         f"The left panel of each figure is the trade-off curve: every peeling "
                         f"step's coverage against its density, the reported box circled.</p><ul>")
            for r in found:
                name = f"decide-discover-{_safe(r['outcome'])}"
                atomic_write_bytes(out / f"{name}.csv",
                                   r["trajectory"].to_csv(index=False, float_format="%.5g").encode())
                parts.append(f"<li><b>PRIM:</b> {html.escape(r['rule'])}.<br><small>"
                             f"Restrictions more than chance (quasi-p &lt; 0.05): "
                             f"{html.escape(', '.join(significant(r)) or 'none')}. CART: "
                             f"{html.escape(r['cart_rule'])}.</small></li>")
                notes.append(f"PRIM: {r['rule']}.")
            parts.append("</ul>")
            if plots:
                for r in found:
                    name = f"decide-discover-{_safe(r['outcome'])}"
                    plot_discovery(r, out / f"{name}.png",
                                     f"Where {r['outcome']} happens — PRIM on {r['n_runs']} runs "
                                     f"({r['base_rate']:.0%} {r['outcome']} overall)")
                    parts.append(_fig(name, f"PRIM box for {r['outcome']}",
                                      f"Scenario discovery for {html.escape(r['outcome'])}: the "
                                      f"peeling trajectory (left; colour = number of restricted "
                                      f"inputs) and the chosen box's limits on each input (right)."))
        effects = lever_effects(sub, levers)
        if not effects.empty:
            effects = effects[effects["region"] == "all"]
            atomic_write_bytes(out / "decide-levers.csv",
                               effects.to_csv(index=False, float_format="%.4g").encode())
            parts.append("<h3>What each lever buys</h3><p>Each lever's status-quo option against "
                         "the other, over pairs of runs that share the design point, the seed "
                         "and the other levers' settings (common random numbers): the change in "
                         "each outcome's probability in percentage points, its 95% "
                         "paired-bootstrap interval and the probabilities off → on. Bold: the "
                         "interval excludes zero.</p>" + levers_html(effects))
            if plots:
                plot_levers(effects, out / "decide-levers.png")
                parts.append(_fig("decide-levers", "lever effects",
                                  "The same changes as a chart: a point right of zero means the "
                                  "lever makes that outcome more likely across the ensemble."))
            best = effects.loc[effects["change"].abs().idxmax()]
            if not ((effects["low"] > 0) | (effects["high"] < 0)).any():
                notes.append(f"No lever changes an outcome's probability beyond chance across the "
                             f"ensemble (largest change {100 * best['change']:+.0f} points: "
                             f"{best['lever']}, {best['outcome']}).")
            else:
                notes.append(f"The lever that moves an outcome most: {best['lever']} "
                             f"({best['off_label']} → {best['on_label']}) changes {best['outcome']} "
                             f"by {100 * best['change']:+.0f} points (95% {100 * best['low']:+.0f} "
                             f"to {100 * best['high']:+.0f}).")
    if notes:
        parts.append("<h3>In short</h3><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                     + "</ul><p><small>Computed from this folder's runs by "
                     "<code>sim/experiments/report_decide.py</code> (analyses: <code>python -m sim.experiments.analyze"
                     "</code>); the sentences are generated from the numbers above.</small></p>")
    return "\n".join(parts)
