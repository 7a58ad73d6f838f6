"""Batched sweeps end to end, through the real command lines (``python -m sim`` and
``python -m sim.experiments.report``) in subprocesses: resume, executors and worlds per
model, a partial folder's report and ``--verify``, on one small job built once.

The multirun smoke test and its report (tables, plots, the page in a browser) are in
tests/test_sweep_report.py; the refusal to mix configs in one folder and the other
command-line promises of issue 14 in tests/test_sweep_cli.py.

Everything is written under pytest's tmp_path (``output.root=<tmp>``), never results/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from chunk_files import (chunk_files, complete_chunks, cut, ok, only_job, report,
                         runs_table, sha256, sim, stamp, years_table)

#: a small single-job sweep: 10 runs in 5 chunks of 2 (the reference for most tests)
BASE = ["scenario=status_quo", "sweep.seeds=10", "sweep.chunk_size=2"]
BASE_RUNS, BASE_CHUNKS = 10, 5


def copy_root(src_root: Path, dst_root: Path, name: str) -> Path:
    """Copy a sweep folder to another output.root (same relative layout); the job."""
    shutil.copytree(src_root / "sweeps" / name, dst_root / "sweeps" / name)
    return only_job(dst_root, name)


# --- the shared sweep (module scope: run once) ----------------------------------------------

@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One job of 10 runs in 5 chunks with the local executor on 2 workers."""
    root = tmp_path_factory.mktemp("base")
    ok(sim(root, *BASE, "sweep.workers=2", "sweep.executor=local", "sweep.name=base"))
    job = only_job(root, "base")
    assert all(complete_chunks(job))
    return {"root": root, "job": job, "runs": runs_table(job), "years": years_table(job)}


# --- resume -------------------------------------------------------------------------------

def _delete_two(job):
    for k in (1, 3):
        for f in chunk_files(job, k):
            f.unlink()
    return {1, 3}


def _damage(job):
    cut(chunk_files(job, 1)[0])                         # a runs file cut in half
    cut(chunk_files(job, 2)[1])                         # a years file cut in half
    chunk_files(job, 3)[2].write_bytes(os.urandom(64))  # garbage in a marker
    return {1, 2, 3}


@pytest.mark.parametrize("damage", [_delete_two, _damage],
                         ids=["two-chunks-deleted", "truncated-parquet-and-corrupt-marker"])
def test_resume_redoes_only_missing_chunks(base, tmp_path, damage):
    job = copy_root(base["root"], tmp_path, "base")
    redo = damage(job)
    states = complete_chunks(job)
    assert [k for k, s in enumerate(states) if not s] == sorted(redo)
    kept = {f: stamp(f) for k in range(BASE_CHUNKS) if k not in redo for f in chunk_files(job, k)}
    damaged = {f: stamp(f) for k in redo for f in chunk_files(job, k) if f.exists()}

    result = ok(sim(tmp_path, *BASE, "sweep.name=base"))
    assert only_job(tmp_path, "base") == job                         # same folder, resumed
    assert f"{BASE_RUNS} runs ({2 * len(redo)} now" in result.stdout, result.stdout
    assert all(complete_chunks(job))
    pd.testing.assert_frame_equal(runs_table(job), base["runs"])
    pd.testing.assert_frame_equal(years_table(job), base["years"])
    for f, before in kept.items():                                   # untouched: not rewritten
        assert stamp(f) == before, f"{f.name} was rewritten"
    for f, before in damaged.items():                                # redone: files are new
        assert stamp(f) != before, f"{f.name} was not rewritten"


# --- executors and workers -----------------------------------------------------------------

@pytest.mark.parametrize("how", [
    pytest.param(["sweep.workers=1"], id="local-1-worker"),
    pytest.param(["sweep.executor=serial"], id="serial", marks=pytest.mark.slow),
    pytest.param(["sweep.lockstep=1"], id="one-world-per-model", marks=pytest.mark.slow),
    pytest.param(["sweep.chunk_size=10", "sweep.lockstep=4"], id="four-worlds-per-model")])
def test_same_tables_for_any_worker_count(base, tmp_path, how):
    """The base sweep ran on 2 local workers, two worlds per model; 1 worker, the serial
    executor and other numbers of worlds per model give the same tables."""
    ok(sim(tmp_path, *BASE, *how, "sweep.name=workers"))
    job = only_job(tmp_path, "workers")
    assert all(complete_chunks(job))
    pd.testing.assert_frame_equal(runs_table(job), base["runs"])
    pd.testing.assert_frame_equal(years_table(job), base["years"])


@pytest.mark.slow  # optional executor; local and serial equivalence stay in the default set
def test_ray_executor_matches_local(base, tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")
    result = ok(sim(tmp_path, *BASE, "sweep.executor=ray", "sweep.workers=2", "sweep.name=ray",
                    env={"RAY_USAGE_STATS_ENABLED": "0"}, timeout=400))
    assert f"{BASE_RUNS} runs ({BASE_RUNS} now" in result.stdout
    job = only_job(tmp_path, "ray")
    assert all(complete_chunks(job))
    pd.testing.assert_frame_equal(runs_table(job), base["runs"])
    pd.testing.assert_frame_equal(years_table(job), base["years"])


# --- the report on a partial folder, --verify -----------------------------------------------

def test_report_on_partial_folder(base, tmp_path):
    job = copy_root(base["root"], tmp_path, "base")
    chunk_files(job, 2)[2].unlink()                 # chunk 2 (runs 4 and 5) loses its marker
    result = ok(report(tmp_path / "sweeps" / "base", "--no-plots"))
    assert "(4 complete chunks, 1 missing)" in result.stdout, result.stdout
    out = tmp_path / "sweeps" / "base" / "report"
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["run_id"]) == [0, 1, 2, 3, 6, 7, 8, 9]
    assert json.loads((out / "manifest.json").read_text())["chunks"] == {"complete": 4, "missing": 1}
    summary = pd.read_csv(out / "summary.csv")
    assert summary["runs"].tolist() == [8]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Partial results" in page and "1 chunk(s) missing" in page


@pytest.mark.slow  # test_report_tamper checks tampering in the default set
def test_verify_detects_tampered_results(base, tmp_path):
    job = copy_root(base["root"], tmp_path, "base")
    folder = tmp_path / "sweeps" / "base"
    result = ok(report(folder, "--no-plots", "--verify", "5"))
    assert "verify: 5 runs re-run, all identical" in result.stdout, result.stdout

    # tamper: a changed density for run 3 (chunk 1), marker fixed so the chunk still counts
    runs_path, _, marker = chunk_files(job, 1)
    runs = pd.read_parquet(runs_path)
    runs.loc[runs["run_id"] == 3, "density"] += 0.125
    runs.to_parquet(runs_path, index=False)
    info = json.loads(marker.read_text())
    info["runs_sha256"] = sha256(runs_path)
    marker.write_text(json.dumps(info))
    assert all(complete_chunks(job))

    result = report(folder, "--no-plots", "--verify", str(BASE_RUNS))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"verify: 1 of {BASE_RUNS} runs differ" in result.stderr, result.stderr
    assert re.search(r"run 3 \(seed 4\): density$", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr


def test_lockstep_blocks_never_mix_grid_points():
    from sim.experiments.plan import Plan
    from sim.experiments.sweep import _by_point

    plan = Plan(points=[{"x": 1}, {"x": 2}, {"x": 3}], seeds=range(5, 10), chunk_size=7,
                config_hash="h")
    blocks = [(p, ids) for k in range(plan.n_chunks) for p, ids in _by_point(plan, plan.chunk(k), 3)]
    assert [ids for _, ids in blocks] == [[0, 1, 2], [3, 4], [5, 6], [7, 8, 9], [10, 11, 12],
                                          [13], [14]]
    assert all(plan.run(r)[0] == p for p, ids in blocks for r in ids)


# --- memory: no reference cycles in a sweep's model ------------------------------------------

def test_a_sweep_model_is_freed_without_the_cycle_collector():
    """Issue 9: a sweep worker needs no gc.collect(). The model a chunk builds (several
    worlds side by side, run to the end, summarised) is freed by reference counting alone
    the moment the last reference goes, and the cycle collector finds nothing it left."""
    import gc
    import weakref

    from sim.config.schema import compose
    from sim.config.schema import session
    from sim.config.plain import to_plain
    from sim.experiments.run import simulate_many, summary

    with session():
        plain = to_plain(compose(["sweep.seeds=4", "world.horizon=2030"]))
    enabled = gc.isenabled()
    try:
        for attempt in range(2):    # the first pass loads kernels (numba keeps ctypes cycles)
            gc.collect()
            gc.disable()
            model = simulate_many(plain, [0, 1, 2, 3])
            for b in range(4):
                summary(model, world=b)
            alive = weakref.ref(model)
            del model
            freed, found = alive() is None, gc.collect()
        assert freed, "the model outlived its last reference (a reference cycle)"
        assert found == 0, f"the model left {found} objects in reference cycles"
    finally:
        if enabled:
            gc.enable()
