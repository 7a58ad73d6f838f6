"""A sweep's runs as the analyses read them: finding the runs table and the design, checking
columns, attaching design points, the outputs per design point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.designs import Design

#: Fewest runs (and design points for a design's analysis) worth analysing.
MIN_RUNS = 20


#: Metrics analysed by default when present (plus every column ending in ``_index``).
DEFAULT_METRICS = ("weighted_density", "cross_divide")


#: Preferred order of the outcome classes in tables and plots (others follow, sorted).
ORDER = ("collaboration", "bloc", "race")


class AnalysisError(ValueError):
    """Bad input for an analysis; the text is one line."""


def find_runs(root: Path) -> Path:
    for path in (root / "report" / "runs.parquet", root / "runs.parquet"):
        if path.is_file():
            return path
    raise AnalysisError(f"{root}: no runs table (report/runs.parquet or runs.parquet); "
                        f"build it with: python -m sim.experiments.report {root}")


def find_design(root: Path, explicit: Path | None = None, required: bool = True) -> Design | None:
    from sim.experiments import designs

    candidates = [explicit] if explicit else [
        root / name for name in ("design.json", "design.parquet", "report/design.json",
                                 "report/design.parquet")]
    for path in candidates:
        if path.is_file():
            return designs.load(path)
    if explicit:
        raise AnalysisError(f"--design={str(explicit)!r}: no such file")
    if required:
        raise AnalysisError(f"{root}: no design (design.json or design.parquet); "
                            f"pass --design FILE")
    return None


def find_designs(root: Path, runs: pd.DataFrame, explicit: Path | None = None,
                 required: bool = True) -> dict:
    """The designs of a results folder: one per job (``DIR/<job>/design.json`` for each
    ``job`` label of the runs table: a sweep runs a design per scenario, each narrowed to
    it) or a single one for every run (key ``None``: ``--design`` or ``DIR/design.json``)."""
    from sim.experiments import designs

    if explicit is None and "job" in runs.columns:
        per_job = {}
        for job in pd.unique(runs["job"].astype(str)):
            for name in ("design.json", "design.parquet"):
                path = root / job / name
                if path.is_file() and path.resolve().is_relative_to(root.resolve()):
                    per_job[job] = designs.load(path)
                    break
        if per_job:
            return per_job
    design = find_design(root, explicit, required)
    return {} if design is None else {None: design}


def design_runs(runs: pd.DataFrame, design: Design) -> pd.DataFrame:
    """The runs that belong to a design (a folder may also hold plain scenario runs): those
    with a ``design_point``, or, without that column, with every non-categorical design
    parameter set."""
    if "design_point" in runs.columns:
        sub = runs[runs["design_point"].notna()]
    else:
        keys = [u.key for u in design.params if u.kind != "categorical" and u.key in runs.columns]
        sub = runs[runs[keys].notna().all(axis=1)] if keys else runs
    return sub


def read_runs(path: Path) -> pd.DataFrame:
    try:
        runs = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise AnalysisError(f"{path}: not a readable Parquet table ({type(exc).__name__})") from None
    need_columns(runs, ("seed", "outcome"), path)
    if len(runs) < MIN_RUNS:
        raise AnalysisError(f"{path}: {len(runs)} runs; at least {MIN_RUNS} are needed")
    runs["outcome"] = runs["outcome"].astype(str)
    return runs


def need_columns(runs: pd.DataFrame, columns, where) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise AnalysisError(f"{where}: missing column(s) {', '.join(map(repr, missing))}; "
                            f"required: {', '.join(columns)}")


def classes(runs: pd.DataFrame) -> list[str]:
    """Outcome classes present, in the preferred order."""
    present = set(runs["outcome"].unique())
    return [c for c in ORDER if c in present] + sorted(present - set(ORDER))


def group_column(runs: pd.DataFrame) -> str | None:
    for col in ("job", "scenario"):
        if col in runs.columns:
            return col
    return None


def attach_points(runs: pd.DataFrame, design: Design, where) -> pd.DataFrame:
    """Make sure every run has its ``design_point`` (see the module docstring) and that
    the parameter columns agree with the design at that point."""
    need_columns(runs, ["seed", "outcome", *design.keys], where)
    runs = runs.copy()
    if "design_point" not in runs.columns:
        if "run_id" not in runs.columns:
            raise AnalysisError(f"{where}: missing column 'design_point' (and no 'run_id' "
                                f"to derive it from)")
        col = group_column(runs)
        keys = runs[col] if col else pd.Series(0, index=runs.index)
        seeds = runs.groupby(keys)["seed"].transform("nunique")
        runs["design_point"] = runs["run_id"].astype(np.int64) // seeds
    dp = pd.to_numeric(runs["design_point"], errors="coerce")
    if dp.isna().any() or (dp < 0).any() or (dp >= design.n_points).any() or (dp != dp.round()).any():
        raise AnalysisError(f"{where}: design_point must be whole numbers 0..{design.n_points - 1}")
    runs["design_point"] = dp.astype(np.int64)
    table = design.values().set_index("design_point")
    for key in design.keys:
        expected = table[key].reindex(runs["design_point"]).to_numpy()
        got = runs[key].to_numpy()
        try:        # numbers: vectorised, equal up to float round-off (NaN = missing = None)
            same = np.isclose(got.astype(float), expected.astype(float), rtol=1e-12, atol=0,
                              equal_nan=True)
        except (TypeError, ValueError):
            same = np.array([_same(a, b) for a, b in zip(got, expected)])
        if not same.all():
            k = int(np.argmin(same))
            raise AnalysisError(f"{where}: column {key!r} = {got[k]!r} at design point "
                                f"{runs['design_point'].iloc[k]}, the design has {expected[k]!r} "
                                f"(runs from another design?)")
    return runs


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and np.isnan(a)):
        return (a is None or (isinstance(a, float) and np.isnan(a))) and \
               (b is None or (isinstance(b, float) and np.isnan(b)))
    try:
        return bool(a == b) or (isinstance(a, (int, float)) and np.isclose(a, b, rtol=1e-12, atol=0))
    except TypeError:
        return str(a) == str(b)


def pick_metrics(runs: pd.DataFrame, asked: list[str] | None) -> list[str]:
    if asked:
        need_columns(runs, asked, "--metrics")
        bad = [m for m in asked if not pd.api.types.is_numeric_dtype(runs[m])]
        if bad:
            raise AnalysisError(f"--metrics={bad[0]!r}: not a numeric column")
        return asked
    found = [c for c in runs.columns if c.endswith("_index") and pd.api.types.is_numeric_dtype(runs[c])]
    return found + [m for m in DEFAULT_METRICS if m in runs.columns and m not in found]


def point_outputs(runs: pd.DataFrame, n_points: int, outcomes: list[str], metrics: list[str]):
    """Per design point: ``Y`` (one column per output: ``share of <class>``, ``mean
    <metric>``) and the squared standard error of each (seed noise)."""
    g = runs.groupby("design_point")
    missing = sorted(set(range(n_points)) - set(g.groups))
    if missing:
        raise AnalysisError(f"{len(missing)} of {n_points} design points have no runs "
                            f"(first: {missing[0]}); finish the sweep first")
    n = g.size().reindex(range(n_points)).to_numpy(float)
    shares = pd.crosstab(runs["design_point"], runs["outcome"], normalize="index")
    shares = shares.reindex(index=range(n_points), columns=outcomes, fill_value=0.0)
    y, se2 = {}, {}
    for o in outcomes:
        p = shares[o].to_numpy(float)
        y[f"share {o}"] = p
        se2[f"share {o}"] = np.where(n > 1, p * (1 - p) / np.maximum(n - 1, 1), 0.0)
    for m in metrics:
        vals = g[m].mean().reindex(range(n_points)).to_numpy(float)
        var = g[m].var(ddof=1).reindex(range(n_points)).fillna(0.0).to_numpy(float)
        y[f"mean {m}"] = vals
        se2[f"mean {m}"] = var / n
    return pd.DataFrame(y), pd.DataFrame(se2)
