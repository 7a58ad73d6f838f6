"""Three ways to do the same runs (default config, seeds 1, 2, ...), side by side:

(c) the project's batched sweep: ``sim.experiments.sweep.run_job`` on the plain config with
    ``sweep.seeds=N``, 2 workers, into a temporary folder (this process; a fork pool);
(a) the way a new Hydra user would sweep: one Hydra job per run, a plain Hydra app
    (benchmarks/naive_hydra_app.py) run as a multirun with the basic launcher over the
    first ``N_HYDRA`` of those seeds, in a fresh process (wall time of the command);
(b) ``mesa.batch_run`` on the same model (benchmarks/mesa_wrapper.py), the same N seeds,
    2 processes, data collected at the end, no progress bar (this process; batch_run
    forces the "spawn" start method, which is restored afterwards).

Each is timed once (``rounds=1``). extra_info holds the time per run and, for (a) and
(b), the ratio of their time per run to (c)'s. (a) pays a fixed start (interpreter,
imports, loading numba's kernels) that N_HYDRA runs cannot amortise, so its
steady-state time per run (from the jobs' own end times, first job excluded) is given
too, with the ratio that a long one-job-per-run sweep would approach.

The tests also check that the three produce the same results for the same seeds
(outcome and final metrics): a correctness check, nothing about speed.

Run (c) first: (a) and (b) read its numbers from ``RESULTS``.
"""

from __future__ import annotations

import copy
import glob
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
#: runs of (b) and (c); 500 = two chunks of the default chunk_size 250, one per worker
N = int(os.environ.get("BENCH_COMPARE_RUNS", "500"))
#: runs of (a), the first N_HYDRA of the same seeds
N_HYDRA = int(os.environ.get("BENCH_COMPARE_HYDRA_RUNS", "20"))
WORKERS = 2
CHECK = ("outcome", "density", "modularity", "role_us_led", "capability_US",
         "final_total_capability")

RESULTS: dict[str, dict] = {}


def _sweep_plain(default_plain: dict, runs: int) -> dict:
    plain = copy.deepcopy(default_plain)
    plain["sweep"].update(seeds=runs, first_seed=1, workers=WORKERS, executor="local",
                          progress=False, name="compare")
    return plain


def _ratios(benchmark, per_run: float, steady: float | None = None) -> None:
    ref = RESULTS.get("c")
    if not ref:
        return
    benchmark.extra_info["ratio_vs_project_sweep"] = round(per_run / ref["per_run"], 2)
    if steady is not None:
        benchmark.extra_info["steady_ratio_vs_project_sweep"] = round(steady / ref["per_run"], 2)


def _check_same(rows: dict[int, dict], label: str) -> None:
    ref = RESULTS.get("c", {}).get("rows")
    if not ref:
        return
    bad = [s for s, row in rows.items()
           if any(row[k] != ref[s][k] for k in CHECK)]
    assert not bad, (f"{label} differs from the project sweep for seeds {bad[:5]} "
                     "(or sim/ was edited while the benchmarks ran: fresh processes load the new code)")


# run_job's fork pool warns because this (pytest) process has started threads; the sweep is
# the same code the command line runs
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_c_project_batched_sweep(benchmark, default_plain, tmp_path, capsys):
    from sim.experiments.sweep import run_job

    plain = _sweep_plain(default_plain, N)
    out = tmp_path / "job"

    benchmark.group = "compare"
    benchmark.pedantic(run_job, args=(plain, out, [f"sweep.seeds={N}"]), rounds=1, iterations=1)
    capsys.readouterr()
    runs = pd.concat(pd.read_parquet(p) for p in sorted((out / "chunks").glob("runs-*.parquet")))
    assert len(runs) == N
    seconds = benchmark.stats.stats.mean if benchmark.stats else float("nan")
    per_run = seconds / N
    years = pd.read_parquet(sorted((out / "chunks").glob("years-*.parquet"))[0])
    first_run = int(runs.loc[runs["seed"] == 1, "run_id"].iloc[0])
    from sim.mesa.columns import MODEL_COLUMNS
    RESULTS["c"] = {"per_run": per_run,
                    "rows": {int(r["seed"]): r for r in runs.to_dict("records")},
                    "years_seed1": years.loc[years["run_id"] == first_run,
                                             list(MODEL_COLUMNS)].to_numpy(np.float32)}
    benchmark.extra_info.update(label="compare (c): project batched sweep", runs=N,
                                workers=WORKERS, chunk_size=plain["sweep"]["chunk_size"],
                                time_per_run_s=round(per_run, 5))


def test_a_naive_hydra_one_job_per_run(benchmark, tmp_path):
    seeds = list(range(1, N_HYDRA + 1))
    root = tmp_path / "out"
    cmd = [sys.executable, str(BENCH_DIR / "naive_hydra_app.py"), "-m",
           "seed=" + ",".join(map(str, seeds)), f"output.root={root}", "sweep.name=naive"]

    def multirun():
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"naive Hydra app exited {proc.returncode}:\n{proc.stderr[-3000:]}")

    benchmark.group = "compare"
    benchmark.pedantic(multirun, rounds=1, iterations=1)
    rows = {}
    for f in glob.glob(str(root / "sweeps" / "naive" / "*" / "summary.json")):
        row = json.loads(Path(f).read_text())
        rows[row["seed"]] = row
    assert sorted(rows) == seeds
    seconds = benchmark.stats.stats.mean if benchmark.stats else float("nan")
    per_run = seconds / N_HYDRA
    ends = sorted(r["finished"] for r in rows.values())
    steady = (ends[-1] - ends[0]) / (len(ends) - 1) if len(ends) > 1 else None
    # the model's own time in a job (median: the first job also loads the compiled kernels)
    model_s = statistics.median(r["finished"] - r["started"] for r in rows.values())
    benchmark.extra_info.update(
        label="compare (a): Hydra, one job per run", runs=N_HYDRA,
        time_per_run_s=round(per_run, 5),
        steady_time_per_run_s=round(steady, 5) if steady is not None else None,
        model_time_per_run_s=round(model_s, 5))
    _ratios(benchmark, per_run, steady)
    _check_same(rows, "(a) naive Hydra app")


@pytest.mark.parametrize("collect", ["summary", "years"])
def test_b_mesa_batch_run(benchmark, default_plain, collect):
    """(b) collects the summary row once per run; (b2) also every year's model-table row,
    which is what the project's sweep stores."""
    from mesa.batchrunner import batch_run
    from mesa_wrapper import BatchSpaceRaceModel, BatchSpaceRaceModelYears

    plain = copy.deepcopy(default_plain)
    seeds = list(range(1, N + 1))
    before = multiprocessing.get_start_method(allow_none=True)
    out: dict[str, list] = {}
    model_cls = BatchSpaceRaceModel if collect == "summary" else BatchSpaceRaceModelYears

    def run():
        out["rows"] = batch_run(model_cls, parameters={"config": [plain]}, rng=seeds,
                                number_processes=WORKERS,
                                data_collection_period=-1 if collect == "summary" else 1,
                                display_progress=False)

    benchmark.group = "compare"
    try:
        benchmark.pedantic(run, rounds=1, iterations=1)
    finally:
        multiprocessing.set_start_method(before, force=True)
    rows = {int(r["rng"]): r["summary"] for r in out["rows"] if r["summary"] is not None}
    assert sorted(rows) == seeds
    if collect == "years" and "years_seed1" in RESULTS.get("c", {}):
        from sim.mesa.columns import MODEL_COLUMNS
        first = sorted((r for r in out["rows"] if int(r["rng"]) == 1), key=lambda r: r["Step"])
        got = np.array([[r[c] for c in MODEL_COLUMNS] for r in first], dtype=np.float32)
        np.testing.assert_array_equal(got, RESULTS["c"]["years_seed1"])
    seconds = benchmark.stats.stats.mean if benchmark.stats else float("nan")
    per_run = seconds / N
    label = ("compare (b): mesa.batch_run" if collect == "summary"
             else "compare (b2): batch_run, yearly rows too")
    benchmark.extra_info.update(label=label, runs=N, processes=WORKERS,
                                time_per_run_s=round(per_run, 5))
    _ratios(benchmark, per_run)
    _check_same(rows, f"({'b' if collect == 'summary' else 'b2'}) mesa.batch_run")
