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
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments import manifest
from sim.experiments.stats import Z95, wilson  # noqa: F401 - re-exported (report.wilson)
from sim.errors import UserError, fail
from sim.io import atomic_write_bytes, atomic_write_json, atomic_write_parquet, read_json
from sim.mesa.model import MODEL_COLUMNS, SpaceRaceModel
from sim.outcome.rule import OUTCOMES

SERIES = list(MODEL_COLUMNS)


# --- reading a results folder (untrusted input) -----------------------------------------
#
# A results folder may have been edited, damaged or made by hand. Everything the report
# uses is checked before it is used: job.json must hold a config that passes the same
# validation as a config on the command line, and its plan (grid points, seeds, chunk
# size, hash) must be the one that config gives; every chunk's two tables must have the
# columns, types, run ids and seeds that plan says. What fails is skipped and named, one
# line each; nothing from it is read further, and its config is never run (--verify).

#: the per-run columns the report computes with (beyond the run's coordinates)
MEAN_COLUMNS = ("bloc", "race", "collaboration", "us_china", "cross_divide", "hedger_share",
                "west_followers", "east_followers", "density", "weighted_density", "modularity",
                "role_us_led", "role_china_led", "role_bridge", "role_hedger", "role_non_aligned",
                "final_members_artemis", "final_members_ilrs",
                "final_members_tiangong", "final_programme_hedgers", "final_racing_spending",
                "final_science_output")
JOB_KEYS = {"scenario": str, "overrides": list, "points": list, "seeds": list, "n_runs": int,
            "chunk_size": int, "config_hash": str, "config": dict}
#: a job.json is a few hundred kB at most; anything far larger is not one
MAX_JOB_BYTES = 32 * 2**20
MARKER = re.compile(r"^chunk-(\d{5,})\.json$")


class Skip(Exception):
    """Why a job or chunk is left out (one line)."""


def find_jobs(root: Path) -> list[Path]:
    """Folders below ``root`` with a ``job.json`` (symlinked folders and report/ not entered)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d != "report"]
        if "job.json" in filenames or "job.json" in dirnames:   # a folder: named as bad
            found.append(here)
    return sorted(found)


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


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def read_job(folder: Path) -> dict:
    """The job.json of ``folder``, checked; raises :class:`Skip` with the reason."""
    from sim.experiments.plan import Plan, apply_point, grid_points
    from sim.config.validation import ConfigError, validate

    path = folder / "job.json"
    if path.is_symlink():
        raise Skip("job.json is a symbolic link (a results folder holds plain files)")
    try:
        if path.stat().st_size > MAX_JOB_BYTES:
            raise Skip(f"job.json is larger than {MAX_JOB_BYTES >> 20} MB")
        job = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constants)
    except OSError as e:
        raise Skip(f"job.json cannot be read ({e.strerror or e})") from None
    except (ValueError, RecursionError) as e:   # JSONDecodeError, bad UTF-8, NaN, nesting
        raise Skip(f"job.json is not valid JSON ({_short(e)})") from None
    if not isinstance(job, dict):
        raise Skip(f"job.json holds a JSON {type(job).__name__}, not an object")
    for key, kind in JOB_KEYS.items():
        if key not in job:
            raise Skip(f"job.json has no {key!r}")
        if not isinstance(job[key], kind) or isinstance(job[key], bool):
            raise Skip(f"job.json: {key}={_short(job[key])}: must be a {kind.__name__}")
    if not all(isinstance(o, str) for o in job["overrides"]):
        raise Skip("job.json: overrides must be a list of strings")
    config = job["config"]
    try:
        validate(config)
        points = grid_points(config)
        for point in points:
            validate(apply_point(config, point))
        plan = Plan.from_config(config)
    except ConfigError as e:
        raise Skip(f"its stored config does not validate: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as e:
        raise Skip(f"its stored config is incomplete or malformed ({type(e).__name__}: "
                   f"{_short(e)})") from None
    expected = {"config_hash": plan.config_hash, "points": plan.points,
                "seeds": [plan.seeds[0], plan.seeds[-1]], "chunk_size": plan.chunk_size,
                "n_runs": plan.n_runs, "scenario": config["scenario_name"]}
    for key, value in expected.items():
        if job[key] != value or type(job[key]) is not type(value):
            raise Skip(f"job.json: {key}={_short(job[key])} does not match its stored config "
                       f"(which gives {_short(value)})")
    job["plan"] = plan
    job["group_points"] = points        # the report's groups: grid points (a design's pooled)
    job["point_keys"] = sorted({key for p in plan.points for key in p})
    if plan.design_n and not {"world.horizon", "world.start_year"} & set(job["point_keys"]):
        per_grid = [_years(apply_point(config, point)) for point in points]
        job["years_per_point"] = [per_grid[k // plan.design_n] for k in range(len(plan.points))]
    else:
        job["years_per_point"] = [_years(apply_point(config, p)) for p in plan.points]
    return job


def _years(config: dict) -> int:
    return int(config["world"]["horizon"]) - int(config["world"]["start_year"]) + 1


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    if isinstance(value, BaseException):
        text = str(value).splitlines()[0] if str(value) else type(value).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


def read_chunk(store, job: dict, k: int) -> pd.DataFrame:
    """Chunk ``k``'s runs table, after checking both of its tables against the plan;
    raises :class:`Skip` with the reason."""
    plan = job["plan"]
    runs_path, years_path, _ = store.paths(k)
    if runs_path.is_symlink() or years_path.is_symlink():
        raise Skip("its files are symbolic links (a results folder holds plain files)")
    ids = np.fromiter(plan.chunk(k), dtype=np.int64)
    point_of = ids // len(plan.seeds)
    keys = job["point_keys"]
    try:                                # Parquet from an untrusted file: any decoding error
        runs = pd.read_parquet(runs_path)
    except Exception as e:  # noqa: BLE001
        raise Skip(f"{runs_path.name} is not a readable Parquet table ({_short(e)})") from None
    missing = [c for c in ("run_id", "seed", "outcome", *MEAN_COLUMNS, *keys) if c not in runs]
    if missing:
        raise Skip(f"{runs_path.name} lacks the column(s) {', '.join(missing)}")
    if len(runs) != len(ids) or not np.array_equal(runs["run_id"].to_numpy(), ids):
        raise Skip(f"{runs_path.name}: its run ids are not the chunk's "
                   f"({ids[0]}..{ids[-1]})")
    seeds = np.array([plan.run(int(r))[1] for r in ids])
    if not np.array_equal(runs["seed"].to_numpy(), seeds):
        raise Skip(f"{runs_path.name}: its seeds are not the plan's")
    bad = sorted(set(runs["outcome"].astype(str)) - set(OUTCOMES))
    if bad:
        raise Skip(f"{runs_path.name}: unknown outcome {_short(bad[0])}; "
                   f"allowed: {', '.join(OUTCOMES)}")
    for col in MEAN_COLUMNS:
        values = runs[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise Skip(f"{runs_path.name}: column {col} is not numeric")
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise Skip(f"{runs_path.name}: column {col} holds NaN or infinity")
    try:
        years = pq.read_table(years_path)
    except Exception as e:  # noqa: BLE001
        raise Skip(f"{years_path.name} is not a readable Parquet table ({_short(e)})") from None
    missing = [c for c in ("run_id", "year", *SERIES) if c not in years.column_names]
    if missing:
        raise Skip(f"{years_path.name} lacks the column(s) {', '.join(missing)}")
    n_years = np.array(job["years_per_point"])[point_of]
    start = int(job["config"]["world"]["start_year"])
    year_ids = years.column("run_id").to_numpy()
    if (len(year_ids) != n_years.sum()
            or not np.array_equal(year_ids, np.repeat(ids, n_years))
            or not np.array_equal(years.column("year").to_numpy(),
                                  np.concatenate([start + np.arange(n) for n in n_years]))):
        raise Skip(f"{years_path.name}: its rows are not one per run and year of the chunk")
    for col in SERIES:
        if not pa.types.is_integer(years.schema.field(col).type) and \
                not pa.types.is_floating(years.schema.field(col).type):
            raise Skip(f"{years_path.name}: column {col} is not numeric")
    runs = runs.copy()
    runs["scenario"] = job["scenario"]
    return runs


def load(root: Path, problems: list[str] | None = None) -> tuple[pd.DataFrame, list[dict], dict]:
    """All usable runs below ``root``; the jobs; counts of complete/incomplete chunks.

    Jobs and chunks that fail a check are left out; each adds one line to ``problems``
    (printed by :func:`build`). A chunk whose marker is missing or whose checksums
    disagree is incomplete (a sweep still running, or interrupted) and only counted."""
    from sim.experiments.sweep import ChunkStore

    root = Path(root)
    problems = [] if problems is None else problems
    frames, jobs, counts = [], [], {"complete": 0, "missing": 0}
    for folder in find_jobs(root):
        label = folder.relative_to(root).as_posix()
        try:
            job = read_job(folder)
        except Skip as e:
            problems.append(f"{label}: skipped: {e}")
            continue
        plan = job["plan"]
        store = ChunkStore(folder, plan, job["scenario"])
        job.update(folder=folder, label=label, coarse=coarse_values(job["overrides"]),
                   chunks=[], store=store)
        # the markers on disk, not range(n_chunks): a plan may claim any number of chunks
        if store.dir.is_symlink():
            problems.append(f"{label}: chunks skipped: chunks/ is a symbolic link "
                            f"(a results folder holds plain files)")
            names = []
        else:
            try:
                names = sorted(p.name for p in store.dir.iterdir()) if store.dir.is_dir() else []
            except OSError:
                names = []
        present = sorted(int(m.group(1)) for m in map(MARKER.match, names)
                         if m and int(m.group(1)) < plan.n_chunks)
        for k in present:
            if not store.complete(k):
                continue
            try:
                runs = read_chunk(store, job, k)
            except Skip as e:
                problems.append(f"{label}: chunk {k} skipped: {e}")
                continue
            counts["complete"] += 1
            job["chunks"].append(k)
            runs.insert(0, "job", label)
            if plan.design_n:           # the run's row of the job's design.json
                runs["design_point"] = (runs["run_id"] // len(plan.seeds)) % plan.design_n
            frames.append(runs)
        counts["missing"] += plan.n_chunks - len(job["chunks"])
        jobs.append(job)
    if not frames:
        return pd.DataFrame(), jobs, counts
    runs = pd.concat(frames, ignore_index=True)
    label_groups(runs, jobs)
    return runs, jobs, counts


# --- naming groups by what differs ----------------------------------------------------

#: keys that name a bundle of settings, shown only when nothing else tells groups apart
BUNDLE_KEYS = ("experiment",)


def fmt_value(value) -> str:
    """A swept value as a user would type it: null, 0.5, 2040, cold_war_race."""
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _typed(text: str):
    """A command-line value as a number when it reads as one (``1.0`` -> 1.0)."""
    if text == "null":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def short_keys(keys: list[str]) -> dict[str, str]:
    """The shortest dotted suffix of each key that is still unique among ``keys``."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(1 for k in keys if k == tail or k.endswith("." + tail)) == 1:
                break
        out[key] = tail
    return out


def label_groups(runs: pd.DataFrame, jobs: list[dict]) -> None:
    """Add ``point`` (grid point index), ``group`` (job and grid point) and ``label``
    (what tells the group apart from the others: the scenario when it differs and the
    swept values, short keys) to ``runs``; ``runs.attrs`` gets ``swept`` (the keys
    that vary, long names), ``coords`` ({group: {key: value}}) and ``labels``."""
    by_label = {j["label"]: j for j in jobs}
    n_seeds = runs["job"].map({k: len(j["plan"].seeds) * max(j["plan"].design_n, 1)
                               for k, j in by_label.items()})
    runs["point"] = (runs["run_id"] // n_seeds).astype(int)
    coords: dict[str, dict] = {}
    group_of = {}
    for (label, point), _ in runs.groupby(["job", "point"], sort=False):
        job = by_label[label]
        values = {"scenario": job["scenario"]}
        values.update({k: _typed(v) for k, v in job["coarse"].items() if k != "scenario"})
        values.update(job["group_points"][point])
        text = ",".join(f"{k}={fmt_value(v)}" for k, v in job["group_points"][point].items())
        group = label + (f" | {text}" if text else "")
        coords[group], group_of[(label, point)] = values, group
    runs["group"] = [group_of[key] for key in zip(runs["job"], runs["point"])]
    keys = list(dict.fromkeys(k for c in coords.values() for k in c))
    swept = [k for k in keys if len({fmt_value(c[k]) if k in c else "\0" for c in coords.values()}) > 1]
    shown = [k for k in swept if k != "scenario"]
    for key in BUNDLE_KEYS:
        if key in shown:
            rest = [k for k in shown if k != key]
            if len(set(_labels(coords, swept, rest).values())) == len(coords):
                shown = rest
    labels = _labels(coords, swept, shown)
    # grid and coarse values as columns (numbers where the values are numbers)
    for key in keys:
        if key == "scenario":
            continue
        column = runs["group"].map({g: c.get(key, np.nan) for g, c in coords.items()})
        if key in runs:                 # a design's own value where the group has none
            column = column.where(runs["group"].map({g: key in c for g, c in coords.items()}),
                                  runs[key])
        runs[key] = _numeric(column)
    runs["label"] = runs["group"].map(labels)
    runs.attrs.update(swept=[k for k in swept if k != "scenario"], coords=coords, labels=labels)


def _labels(coords: dict, swept: list[str], shown: list[str]) -> dict[str, str]:
    short = short_keys(shown)
    out = {}
    for group, c in coords.items():
        parts = [c["scenario"]] if "scenario" in swept else []
        values = ", ".join(f"{short[k]}={fmt_value(c[k])}" for k in shown if k in c)
        parts += [values] if values else []
        out[group] = " · ".join(parts) or c["scenario"]
    return out


def _numeric(series: pd.Series) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    ok = series.isna() | converted.notna()
    return converted if ok.all() else series.astype(object)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per group: its label and swept values (``null`` for a null value), runs, outcome
    shares with 95% Wilson intervals, mean metrics."""
    swept = runs.attrs.get("swept", [])
    coords = runs.attrs.get("coords", {})
    g = runs.groupby("group", sort=False)
    first = g[["label", "job", "scenario"]].first().reset_index()
    for key in swept:
        first[key] = [_cell(coords.get(grp, {}), key) for grp in first["group"]]
    out = pd.concat([first, g.size().rename("runs").reset_index(drop=True)], axis=1)
    for o in OUTCOMES:
        k = g["outcome"].apply(lambda s, o=o: int((s == o).sum())).to_numpy()
        lo, hi = wilson(k, out["runs"].to_numpy())
        out[f"share_{o}"] = k / out["runs"]
        out[f"share_{o}_low"], out[f"share_{o}_high"] = lo, hi
    means = g[list(MEAN_COLUMNS)].mean().reset_index(drop=True).add_prefix("mean_")
    return pd.concat([out, means], axis=1)


def _cell(coords: dict, key: str):
    if key not in coords:
        return np.nan                    # the key is not one of this group's coordinates
    value = coords[key]
    return "null" if value is None else value


def summary_csv(summary: pd.DataFrame) -> bytes:
    """summary.csv: shares and bounds to 4 decimals, means to 4 significant digits (and
    nothing printed as floating-point noise, e.g. 8.7e-19 for a bound of 0)."""
    table = summary.copy()
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            digits = 4 if col.startswith("share_") else 6
            table[col] = table[col].round(digits) + 0.0        # + 0.0: no "-0"
    return table.to_csv(index=False, float_format="%.4g", lineterminator="\n").encode()


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
    from sim.experiments.run import simulate
    from sim.experiments.sweep import apply_point

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
    from sim.experiments.plots import group_names, scenario_groups
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
