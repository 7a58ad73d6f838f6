"""``python -m sim.experiments.report DIR``: tables, plots and an HTML page from a results folder.

Works on any sweep folder, complete or partial, and trusts none: it reads every job
folder below DIR (those with a ``job.json``) whose stored config passes the same checks
as a command line and whose plan is the one that config gives, and every *complete*
chunk in them (marker and checksums agree) whose tables have the plan's columns, run
ids and seeds. Incomplete chunks are counted; jobs and chunks that fail a check are
skipped and named, one line each. It writes, under ``DIR/report/``:

* ``runs.parquet`` — one row per run: job, scenario, swept values, label, seed, outcome,
  metrics;
* ``series.parquet`` — per group (job and grid point) and year: median, 25th and 75th
  percentile of every per-year metric;
* ``summary.csv`` — per group: a label naming what differs from the other groups, the
  swept values, runs, share of each outcome with its 95% Wilson interval, mean metrics;
* the plots (PNG and SVG) and ``index.html`` (the same bytes for the same results: the
  build time is only in ``manifest.json``, which also lists the jobs' manifests).

``--verify N`` re-runs N runs drawn from the folder and checks that they reproduce
their stored rows exactly (exit status 1 if any differs). Exit status 2: nothing usable
in the folder, or the report cannot be written there.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.experiments import manifest
from sim.errors import UserError, fail
from sim.io import atomic_write_bytes, atomic_write_json, atomic_write_parquet, read_json
from sim.outcome.rule import OUTCOMES
from sim.experiments.results import load
from sim.experiments.summary import (aggregate_series, BUNDLE_KEYS, fmt_value, group_names,
                                     scenario_groups, short_keys, summarise, summary_csv)

if TYPE_CHECKING:       # the model (and Mesa) is imported only where a run is re-run
    from sim.mesa.model import SpaceRaceModel


# --- re-running stored runs ----------------------------------------------------------

def rerun(jobs: list[dict], row) -> SpaceRaceModel:
    """Run a stored run (a row of the runs table) again, alone."""
    from sim.experiments.run import simulate
    from sim.experiments.plan import apply_point

    job = next(j for j in jobs if j["label"] == row["job"])
    point_idx, seed = job["store"].plan.run(int(row["run_id"]))
    return simulate(apply_point(job["config"], job["points"][point_idx]), seed)


# --- representative run -------------------------------------------------------------

def representative(runs: pd.DataFrame, jobs: list[dict], group: str):
    """Re-run the group's most typical run: modal outcome, density nearest its median."""
    from sim.outcome.rule import CAMPS
    from sim.experiments.run import network_table

    sub = runs[runs["group"] == group]
    modal = sub["outcome"].mode().iloc[0]
    cand = sub[sub["outcome"] == modal]
    pick = cand.iloc[int(np.argmin(np.abs(cand["density"] - cand["density"].median())))]
    model = rerun(jobs, pick)
    outcome = model.outcome()
    camps = {n: CAMPS[int(k)] for n, k in zip(model.names, outcome["labels"])}
    return model, network_table(model), camps, pick


# --- verification ------------------------------------------------------------------

def verify(runs: pd.DataFrame, jobs: list[dict], n: int, seed: int = 0) -> list[str]:
    """Re-run ``n`` stored runs and list every one whose row differs."""
    from sim.experiments.run import summary

    rng = np.random.default_rng(seed)
    picks = runs.iloc[rng.choice(len(runs), size=min(n, len(runs)), replace=False)]
    bad = []
    for _, row in picks.iterrows():
        fresh = summary(rerun(jobs, row))
        diffs = [k for k, v in fresh.items() if v != row[k]]
        if diffs:
            bad.append(f"{row['job']} run {row['run_id']} (seed {row['seed']}): {', '.join(diffs)}")
    return bad


# --- the report -----------------------------------------------------------------------

def report_folder(root: Path) -> Path:
    """``root/report``, refused when it is anything but a plain folder (or absent):
    the report never writes through a link or over a file it did not make."""
    out = Path(root) / "report"
    if out.is_symlink():
        raise UserError(f"{out}: is a symbolic link; the report is written only inside "
                        f"the results folder (remove the link)")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder (move it away; the report "
                        f"is written there)")
    return out


def build(root: Path, plots: bool = True, quiet: bool = False) -> dict:
    """Read ``root``, write the report into ``root/report``; raises :class:`UserError`
    when nothing usable is found. Skipped jobs and chunks are printed to stderr."""
    root = Path(root)
    out = report_folder(root)
    problems: list[str] = []
    runs, jobs, counts = load(root, problems)
    for line in problems:
        print(f"warning: {line}", file=sys.stderr)
    if runs.empty:
        skipped = f", {len(problems)} skipped (above)" if problems else ""
        raise UserError(f"{root}: no complete results found "
                        f"({counts['missing']} incomplete chunks{skipped})")
    summary = summarise(runs)
    series = aggregate_series(runs, jobs)
    atomic_write_parquet(out / "runs.parquet", runs.drop(columns=["group", "point"]))
    atomic_write_parquet(out / "series.parquet", series)
    atomic_write_bytes(out / "summary.csv", summary_csv(summary))
    figures = []
    if plots:
        from sim.experiments import plots as P
        figures = P.sweep_figures(runs, summary, series, jobs, out,
                                  lambda g: representative(runs, jobs, g))
        from sim.experiments.report_world import report_pieces
        figures += report_pieces(runs, out)     # hindcast and per-state membership (issue 10)
    # times and machine details go here, not into the page: index.html (committed for
    # the headline sweep) is the same bytes whenever the same results are reported
    atomic_write_json(out / "manifest.json", {
        "built": manifest.now(), "command": " ".join(["python -m sim.experiments.report", *sys.argv[1:]]),
        "chunks": counts, "runs": len(runs), "skipped": problems,
        "jobs": [{"label": j["label"], "scenario": j["scenario"], "n_runs": j["n_runs"],
                  "manifest": _maybe(j["folder"] / "manifest.json")} for j in jobs],
        "versions": manifest.versions(), "git": manifest.git_commit()})
    from sim.experiments.report_decide import section as decide  # "What decides the outcome" (designs)
    from sim.experiments.report_outcomes import section       # issue 11: triangle, robustness, US-China, levers
    groups = scenario_groups(runs, jobs)
    extra_figures, extra = section(runs, jobs, out, groups, group_names(runs, groups), plots)
    write_html(out, runs, summary, figures + extra_figures, counts, groups, problems,
               extra, decide(root, runs, jobs, out, plots))
    if not quiet:
        skipped = f", {len(problems)} skipped" if problems else ""
        print(f"report: {len(runs)} runs from {len(jobs)} jobs "
              f"({counts['complete']} complete chunks, {counts['missing']} missing{skipped}) "
              f"-> {out}/index.html")
    return {"runs": runs, "jobs": jobs, "summary": summary, "series": series, "counts": counts,
            "out": out, "problems": problems}


def _maybe(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _table(summary: pd.DataFrame, coords: dict, swept: list[str]) -> str:
    """An HTML table of outcome shares (with 95% intervals) and camp sizes per group;
    each row named by its scenario and the swept values that vary among the rows."""
    keys = [k for k in swept if len({fmt_value(coords[g].get(k, "—")) for g in summary["group"]}) > 1]
    short = short_keys(keys)
    head = "<th>scenario</th>" + "".join(f"<th>{html.escape(short[k])}</th>" for k in keys)
    head += "<th>runs</th>" + "".join(f"<th>{o}</th>" for o in OUTCOMES)
    head += ("<th>bloc index</th><th>race index</th><th>collaboration index</th><th>US-led</th>"
             "<th>China-led</th><th>bridges</th><th>hedgers</th><th>non-aligned</th>")
    rows = []
    for _, r in summary.iterrows():
        c = coords[r["group"]]
        cells = f"<td>{html.escape(str(r['scenario']))}</td>"
        cells += "".join(f"<td>{html.escape(fmt_value(c[k])) if k in c else '—'}</td>" for k in keys)
        cells += f"<td class=num>{int(r['runs'])}</td>"
        for o in OUTCOMES:
            cells += (f"<td class=num>{100 * r[f'share_{o}']:.0f}% <small>("
                      f"{100 * r[f'share_{o}_low']:.0f}–{100 * r[f'share_{o}_high']:.0f})</small></td>")
        cells += "".join(f"<td class=num>{r[c]:.{d}f}</td>" for c, d in
                         (("mean_bloc", 2), ("mean_race", 2), ("mean_collaboration", 2),
                          ("mean_role_us_led", 0), ("mean_role_china_led", 0),
                          ("mean_role_bridge", 0), ("mean_role_hedger", 0),
                          ("mean_role_non_aligned", 0)))
        rows.append(f"<tr>{cells}</tr>")
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def write_html(out: Path, runs: pd.DataFrame, summary: pd.DataFrame, figures, counts,
               scenario_groups: list[str], problems: list[str] = (), extra: str = "",
               decide: str = "") -> None:
    swept = runs.attrs.get("swept", [])
    coords = runs.attrs["coords"]
    whole = set(runs.loc[runs["job"].isin({j for j, n in
                                           runs.groupby("job")["point"].max().items() if n == 0}),
                         "group"])
    main = summary[summary["group"].isin(scenario_groups)]
    rest = summary[~summary["group"].isin(scenario_groups)]
    heading = "Scenarios" if set(main["group"]) <= whole else "Grid points"
    tables = f"<h2>{heading}</h2>" + _table(main, coords, swept) if len(main) else ""
    if len(rest) > 30:
        over = ", ".join(k for k in swept if k not in BUNDLE_KEYS)
        tables += (f"<p>{len(rest)} further grid points over {over}: see the phase "
                   f"diagram below and <a href=summary.csv>summary.csv</a>.</p>")
    elif len(rest):
        tables += "<h2>Grid points</h2>" + _table(rest, coords, swept)
    figs = "\n".join(
        f'<figure><img src="{html.escape(name)}.png" alt="{html.escape(title)}">'
        f"<figcaption>{html.escape(title)} — <a href=\"{html.escape(name)}.svg\">SVG</a></figcaption></figure>"
        for name, title in figures)
    partial = ("" if counts["missing"] == 0 else
               f"<p class=warn>Partial results: {counts['missing']} chunk(s) missing or incomplete; "
               f"rerun the sweep command to complete them.</p>")
    if problems:
        partial += ("<p class=warn>Left out because they failed a check:</p><ul class=warn>"
                    + "".join(f"<li>{html.escape(p)}</li>" for p in problems) + "</ul>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spacerace report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1150px; color: #222;
        padding: 0 1rem; }}
h1 {{ margin-bottom: .2rem; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: .88rem; margin: .5rem 0 1rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; white-space: nowrap; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
small {{ color: #666; }}
figure {{ margin: 1.5rem 0; }} img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #555; font-size: .9rem; }}
.warn {{ background: #fff3cd; padding: .5rem; }}
</style></head><body>
<h1>spacerace — bloc, race or collaboration?</h1>
<p>{len(runs)} runs. Each run is measured over its final years by three indices in [0, 1]:
<b>bloc</b> (how much less the camps cooperate with each other than random mixing of the same
degrees would give), <b>race</b> (mutual competition among the space powers times their racing
spending) and <b>collaboration</b> (cooperation across the US–China divide; none without a
US–China tie, direct or through a shared programme). A run's class is the index furthest past
its threshold (0.5 each, the midpoint, fixed in advance); a run past none is <b>hedged</b>
(hedgers a majority of programme members), <b>hegemony</b> (one camp with followers) or
<b>ambiguous</b> (docs/OUTCOMES.md). Shares are over runs (seeds); brackets are 95% Wilson
intervals; indices and role counts are means over runs (roles in actors).</p>
{partial}
{tables}
{extra}
{figs}
{decide}
<p><small>Made by <code>python -m sim.experiments.report</code>. Tables:
<a href=summary.csv>summary.csv</a>, runs.parquet, series.parquet; provenance: manifest.json.</small></p>
</body></html>
"""
    atomic_write_bytes(out / "index.html", page.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.experiments.report", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a sweep folder, e.g. results/sweeps/headline")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    parser.add_argument("--verify", type=int, default=0, metavar="N",
                        help="re-run N stored runs and check they reproduce exactly")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        fail(f"folder={str(args.folder)!r}: not a folder")
    if args.verify < 0:
        fail(f"--verify={args.verify}: must be >= 0")
    try:
        result = build(args.folder, plots=not args.no_plots)
    except UserError as e:
        fail(str(e))
    if args.verify:
        runs, jobs = result["runs"], result["jobs"]
        bad = verify(runs, jobs, args.verify)
        if bad:
            print(f"verify: {len(bad)} of {min(args.verify, len(runs))} runs differ:", file=sys.stderr)
            for line in bad:
                print(f"  {line}", file=sys.stderr)
            raise SystemExit(1)
        print(f"verify: {min(args.verify, len(runs))} runs re-run, all identical")
    return result


if __name__ == "__main__":
    main()
