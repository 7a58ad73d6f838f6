"""``python -m sim.report DIR``: tables, plots and an HTML page from a results folder.

Works on any sweep folder, complete or partial: it reads every job folder below DIR
(those with a ``job.json``) and every *complete* chunk in them (marker and checksums
agree); incomplete chunks are skipped and counted. It writes, under ``DIR/report/``:

* ``runs.parquet`` — one row per run: job, scenario, swept values, seed, outcome, metrics;
* ``series.parquet`` — per group (job and grid point) and year: median, 25th and 75th
  percentile of every per-year metric;
* ``summary.csv`` — per group: runs, share of each outcome with its 95% Wilson interval,
  mean metrics;
* the plots (PNG and SVG) and ``index.html``; ``manifest.json`` lists the jobs' manifests.

``--verify N`` re-runs N runs drawn from the folder and checks that they reproduce
their stored rows exactly (exit status 1 if any differs).
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim import manifest
from sim.cli import fail
from sim.io import atomic_write_bytes, atomic_write_json, atomic_write_parquet, read_json
from sim.model import MODEL_COLUMNS, SpaceRaceModel
from sim.outcome import OUTCOMES

SERIES = list(MODEL_COLUMNS)
Z95 = 1.959963984540054


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (vectorised); (low, high)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


# --- reading a results folder --------------------------------------------------------

def find_jobs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("job.json") if "report" not in p.parts[len(root.parts):])


def coarse_values(overrides: list[str]) -> dict:
    """The job's own command-line values (its coarse, Hydra-multirun coordinates),
    leaving out the sweep's settings and Hydra's."""
    out = {}
    for text in overrides:
        key, eq, value = text.partition("=")
        key = key.lstrip("+~")
        if eq and not key.startswith(("sweep.", "hydra.", "hydra/", "output.")):
            out[key] = value
    return out


def load(root: Path) -> tuple[pd.DataFrame, list[dict], dict]:
    """All complete runs below ``root``; the jobs; counts of complete/incomplete chunks."""
    from sim.sweep import ChunkStore, Plan

    frames, jobs, counts = [], [], {"complete": 0, "missing": 0}
    for folder in find_jobs(root):
        job = read_json(folder / "job.json")
        plan = Plan(job["points"], range(job["seeds"][0], job["seeds"][1] + 1),
                    job["chunk_size"], job["config_hash"])
        store = ChunkStore(folder, plan, job["scenario"])
        label = folder.relative_to(root).as_posix()
        job.update(folder=folder, label=label, coarse=coarse_values(job.get("overrides", [])),
                   chunks=[])
        for k in range(plan.n_chunks):
            if store.complete(k):
                counts["complete"] += 1
                job["chunks"].append(k)
                runs = pd.read_parquet(store.paths(k)[0])
                runs.insert(0, "job", label)
                frames.append(runs)
            else:
                counts["missing"] += 1
        job["store"] = store
        jobs.append(job)
    if not frames:
        return pd.DataFrame(), jobs, counts
    runs = pd.concat(frames, ignore_index=True)
    grid_keys = sorted({k for j in jobs for p in j["points"] for k in p})
    coarse_keys = sorted({k for j in jobs for k in j["coarse"]} - {"scenario"})
    for key in coarse_keys:
        runs[key] = runs["job"].map({j["label"]: j["coarse"].get(key) for j in jobs})
        runs[key] = _numeric(runs[key])
    runs["point"] = _point_labels(runs, grid_keys)
    runs["group"] = runs["job"] + np.where(runs["point"] != "", " | " + runs["point"], "")
    runs.attrs["swept"] = [k for k in grid_keys + coarse_keys if runs[k].nunique() > 1]
    return runs, jobs, counts


def _point_labels(runs: pd.DataFrame, keys: list[str]) -> list[str]:
    """'key=value,...' of the grid values each run has (jobs without a grid get '')."""
    if not keys:
        return [""] * len(runs)
    values = runs[keys].astype(object).to_numpy()
    return [",".join(f"{k}={v}" for k, v in zip(keys, row) if not pd.isna(v)) for row in values]


def _numeric(series: pd.Series) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    return converted if converted.notna().all() else series


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per group: runs, outcome shares with 95% Wilson intervals, mean metrics."""
    keys = ["group", "job", "scenario", *runs.attrs.get("swept", [])]
    keys = list(dict.fromkeys(k for k in keys if k in runs))
    g = runs.groupby(keys, sort=False, dropna=False)
    out = g.size().rename("runs").reset_index()
    for o in OUTCOMES:
        k = g["outcome"].apply(lambda s, o=o: int((s == o).sum())).to_numpy()
        lo, hi = wilson(k, out["runs"].to_numpy())
        out[f"share_{o}"] = k / out["runs"]
        out[f"share_{o}_low"], out[f"share_{o}_high"] = lo, hi
    means = g[["density", "weighted_density", "cohesion_us_led", "cohesion_china_led", "between_camps", "cross_divide", "modularity", "camp_us_led", "camp_china_led",
               "camp_hedging", "camp_nonaligned", "final_members_artemis", "final_members_ilrs",
               "final_members_tiangong", "final_programme_hedgers", "final_racing_spending",
               "final_science_output"]].mean().reset_index(drop=True).add_prefix("mean_")
    return pd.concat([out, means], axis=1)


def aggregate_series(runs: pd.DataFrame, jobs: list[dict]) -> pd.DataFrame:
    """Median and interquartile range per group, year and metric (read metric by metric)."""
    group_of = runs.set_index(["job", "run_id"])["group"]
    parts = []
    for job in jobs:
        if not job["chunks"]:
            continue
        paths = [job["store"].paths(k)[1] for k in job["chunks"]]
        ids = pq.ParquetDataset(paths).read(columns=["run_id", "year"]).to_pandas()
        groups = group_of.loc[job["label"]].reindex(ids["run_id"]).to_numpy()
        for start in range(0, len(SERIES), 9):
            cols = SERIES[start:start + 9]
            data = pq.ParquetDataset(paths).read(columns=cols).to_pandas()
            data["group"], data["year"] = groups, ids["year"].to_numpy()
            q = data.groupby(["group", "year"])[cols].quantile([0.25, 0.5, 0.75])
            q.index = q.index.set_names("q", level=2)
            parts.append(q.stack().rename("value").reset_index().rename(columns={"level_3": "metric"}))
    if not parts:
        return pd.DataFrame(columns=["group", "year", "metric", "q25", "median", "q75"])
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot_table(index=["group", "year", "metric"], columns="q", values="value")
    wide.columns = ["q25", "median", "q75"]
    return wide.reset_index()


# --- re-running stored runs ----------------------------------------------------------

def rerun(jobs: list[dict], row) -> SpaceRaceModel:
    """Run a stored run (a row of the runs table) again, alone."""
    from sim.cli import apply_point
    from sim.run import simulate

    job = next(j for j in jobs if j["label"] == row["job"])
    point_idx, seed = job["store"].plan.run(int(row["run_id"]))
    return simulate(apply_point(job["config"], job["points"][point_idx]), seed)


# --- representative run -------------------------------------------------------------

def representative(runs: pd.DataFrame, jobs: list[dict], group: str):
    """Re-run the group's most typical run: modal outcome, density nearest its median."""
    from sim.outcome import CAMPS
    from sim.run import network_table

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
    from sim.run import summary

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

def build(root: Path, plots: bool = True, quiet: bool = False) -> dict:
    root = Path(root)
    out = root / "report"
    runs, jobs, counts = load(root)
    if runs.empty:
        raise SystemExit(f"error: {root}: no complete results found "
                         f"({counts['missing']} incomplete chunks)")
    summary = summarise(runs)
    series = aggregate_series(runs, jobs)
    atomic_write_parquet(out / "runs.parquet", runs.drop(columns=["group", "point"]))
    atomic_write_parquet(out / "series.parquet", series)
    atomic_write_bytes(out / "summary.csv", summary.to_csv(index=False, float_format="%.4g").encode())
    figures = []
    if plots:
        from sim import plots as P
        figures = P.sweep_figures(runs, summary, series, jobs, out,
                                  lambda g: representative(runs, jobs, g))
    atomic_write_json(out / "manifest.json", {
        "built": manifest.now(), "command": " ".join(["python -m sim.report", *sys.argv[1:]]),
        "chunks": counts, "runs": len(runs),
        "jobs": [{"label": j["label"], "scenario": j["scenario"], "n_runs": j["n_runs"],
                  "manifest": _maybe(j["folder"] / "manifest.json")} for j in jobs],
        "versions": manifest.versions(), "git": manifest.git_commit()})
    from sim.plots import scenario_groups
    write_html(out, runs, summary, figures, counts, scenario_groups(runs, jobs))
    if not quiet:
        print(f"report: {len(runs)} runs from {len(jobs)} jobs "
              f"({counts['complete']} complete chunks, {counts['missing']} missing) -> {out}/index.html")
    return {"runs": runs, "jobs": jobs, "summary": summary, "series": series, "counts": counts,
            "out": out}


def _maybe(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _table(summary: pd.DataFrame, keys: list[str]) -> str:
    """An HTML table of outcome shares (with 95% intervals) and camp sizes per group."""
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys) + "<th>runs</th>"
    head += "".join(f"<th>{o}</th>" for o in OUTCOMES)
    head += "<th>weighted tie density</th><th>US-led camp</th><th>China-led camp</th><th>hedgers</th>"
    rows = []
    for _, r in summary.iterrows():
        cells = "".join(f"<td>{'—' if pd.isna(r[k]) else html.escape(str(r[k]))}</td>" for k in keys)
        cells += f"<td class=num>{int(r['runs'])}</td>"
        for o in OUTCOMES:
            cells += (f"<td class=num>{100 * r[f'share_{o}']:.0f}% <small>("
                      f"{100 * r[f'share_{o}_low']:.0f}–{100 * r[f'share_{o}_high']:.0f})</small></td>")
        cells += "".join(f"<td class=num>{r[c]:.{d}f}</td>" for c, d in
                         (("mean_weighted_density", 2), ("mean_camp_us_led", 0),
                          ("mean_camp_china_led", 0), ("mean_camp_hedging", 0)))
        rows.append(f"<tr>{cells}</tr>")
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def write_html(out: Path, runs: pd.DataFrame, summary: pd.DataFrame, figures, counts,
               scenario_groups: list[str]) -> None:
    swept = [k for k in runs.attrs.get("swept", []) if k in summary]
    main = summary[summary["group"].isin(scenario_groups)]
    rest = summary[~summary["group"].isin(scenario_groups)]
    tables = "<h2>Scenarios</h2>" + _table(main, ["scenario"]) if len(main) else ""
    if len(rest) > 30:
        tables += (f"<p>{len(rest)} further grid points over {', '.join(swept)}: see the phase "
                   f"diagram below and <a href=summary.csv>summary.csv</a>.</p>")
    elif len(rest):
        tables += "<h2>Grid points</h2>" + _table(rest, ["scenario", *swept])
    figs = "\n".join(
        f'<figure><img src="{html.escape(name)}.png" alt="{html.escape(title)}">'
        f"<figcaption>{html.escape(title)} — <a href=\"{html.escape(name)}.svg\">SVG</a></figcaption></figure>"
        for name, title in figures)
    partial = ("" if counts["missing"] == 0 else
               f"<p class=warn>Partial results: {counts['missing']} chunk(s) missing or incomplete; "
               f"rerun the sweep command to complete them.</p>")
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
<p>{len(runs)} runs. Outcome of a run: <b>collaboration</b> when the major powers cooperate
across the US–China divide, <b>bloc</b> when two cohesive camps form around leaders that
compete, <b>race</b> when there is little cooperation among the space powers or one side is
left alone (rule and thresholds: <code>configs/outcome</code>, <code>sim/outcome.py</code>).
Shares are over runs (seeds); brackets are 95% Wilson intervals; camp sizes are means over
runs, in actors.</p>
{partial}
{tables}
{figs}
<p><small>Built {manifest.now()} by <code>python -m sim.report</code>. Tables:
<a href=summary.csv>summary.csv</a>, runs.parquet, series.parquet; provenance: manifest.json.</small></p>
</body></html>
"""
    atomic_write_bytes(out / "index.html", page.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a sweep folder, e.g. results/sweeps/headline")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    parser.add_argument("--verify", type=int, default=0, metavar="N",
                        help="re-run N stored runs and check they reproduce exactly")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        fail(f"folder={str(args.folder)!r}: not a folder")
    if args.verify < 0:
        fail(f"--verify={args.verify}: must be >= 0")
    result = build(args.folder, plots=not args.no_plots)
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
