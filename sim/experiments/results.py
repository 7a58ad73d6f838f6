"""Reading a results folder (untrusted input).

A results folder may have been edited, damaged or made by hand. Everything the report
uses is checked before it is used: job.json must hold a config that passes the same
validation as a config on the command line, and its plan (grid points, seeds, chunk
size, hash) must be the one that config gives; every chunk's two tables must have the
columns, types, run ids and seeds that plan says. What fails is skipped and named, one
line each; nothing from it is read further, and its config is never run (--verify).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.summary import MEAN_COLUMNS, SERIES, label_groups
from sim.outcome.rule import OUTCOMES

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
    from sim.errors import ConfigError
    from sim.config.validation import validate
    from sim.experiments.plan import Plan, apply_point, grid_points

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
    from sim.experiments.chunks import ChunkStore

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
