"""Sweeps over a sampling design (``+sweep.design={kind, N, seed, ...}``), end to end
through the real command lines: the design's points reach the runs unchanged and in
order, the design is part of the plan (hash, ``design.json``, ``--verify``), a bad
design is one line, and an interrupted design sweep resumes to the same tables.

Everything is written under pytest's tmp_path, never results/.
"""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chunk_files import finish, ok, run, runs_table, start, years_table
from test_crash import assert_group_gone, interrupt, new_markers

from sim.experiments import designs
from sim.experiments.plan import Plan, config_hash

SPEC = {"kind": "latin", "N": 6, "seed": 3}
DESIGN = "+sweep.design={kind: latin, N: 6, seed: 3}"


def sim(root: Path, *args: str, **kw):
    return run([sys.executable, "-m", "sim", *args, f"output.root={root}",
                "sweep.progress=false"], **kw)


def only_job(root: Path, name: str) -> Path:
    jobs = sorted((root / "sweeps" / name).glob("*/job.json"))
    assert len(jobs) == 1, jobs
    return jobs[0].parent


@pytest.fixture(scope="module")
def design_sweep(tmp_path_factory) -> Path:
    """One real design sweep through the command line (12 runs, chunks of 5), shared by
    the tests that read its job folder: its output root."""
    root = tmp_path_factory.mktemp("design")
    ok(sim(root, "scenario=status_quo", DESIGN, "sweep.seeds=2", "sweep.chunk_size=5",
           "sweep.name=d"))
    return root


def test_design_points_reach_the_runs_in_order(design_sweep):
    tmp_path = design_sweep
    job = only_job(tmp_path, "d")
    assert job.name == "design=latin-N6-seed3,scenario=status_quo"
    expected = designs.from_spec(SPEC, "status_quo")
    assert designs.load(job / "design.json") == expected
    pts = designs.points(expected)
    runs = runs_table(job)
    assert runs["run_id"].tolist() == list(range(12))
    for row in runs.itertuples(index=False):
        point = pts[row.run_id // 2]
        for key, value in point.items():
            assert runs.loc[row.run_id, key] == value, (row.run_id, key)
    assert runs["seed"].tolist() == [1, 2] * 6
    # the report: design_point per run, and the stored runs re-run exactly
    done = ok(run([sys.executable, "-m", "sim.experiments.report", str(tmp_path / "sweeps" / "d"),
                   "--verify", "3", "--no-plots"]))
    assert "all identical" in done.stdout
    table = pd.read_parquet(tmp_path / "sweeps" / "d" / "report" / "runs.parquet")
    assert (table["design_point"] == table["run_id"] // 2).all()
    values = expected.values().set_index("design_point")
    for key in expected.keys:
        assert np.array_equal(table[key].to_numpy(), values[key].loc[table["design_point"]].to_numpy())
    summary = pd.read_csv(tmp_path / "sweeps" / "d" / "report" / "summary.csv")
    assert len(summary) == 1 and summary["runs"].iloc[0] == 12     # one group: the ensemble


@pytest.mark.slow  # test_design_points_reach_the_runs_in_order is the fast equivalent
def test_grid_times_design_is_grid_outer(tmp_path):
    """A lever on a grid and a design inside: every grid value meets every design point
    with the same seeds (paired runs for the policy view)."""
    ok(sim(tmp_path, "scenario=status_quo", DESIGN, "sweep.seeds=1",
           "+sweep.grid={mechanisms.open_station.courting: [0.1, 0.5]}", "sweep.name=g"))
    job = only_job(tmp_path, "g")
    plan = json.loads((job / "job.json").read_text())
    pts = designs.points(designs.from_spec(SPEC, "status_quo"))
    assert plan["points"] == [{"mechanisms.open_station.courting": c, **p}
                              for c in (0.1, 0.5) for p in pts]
    ok(run([sys.executable, "-m", "sim.experiments.report", str(tmp_path / "sweeps" / "g"), "--no-plots"]))
    table = pd.read_parquet(tmp_path / "sweeps" / "g" / "report" / "runs.parquet")
    assert table["design_point"].tolist() == list(range(6)) * 2
    assert table["mechanisms.open_station.courting"].tolist() == [0.1] * 6 + [0.5] * 6


BAD_DESIGNS = [
    ("{kind: lhs, N: 4, seed: 1}", "sweep.design.kind='lhs': allowed: latin, sobol, morris"),
    ("{kind: sobol, N: 6, seed: 1}", "sweep.design.N=6: a power of two"),
    ("{kind: latin, N: 4, seed: 1, foo: 1}", "sweep.design.foo=1: unknown key"),
]


@pytest.fixture(scope="module")
def bad_designs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Each bad design as its own ``python -m sim`` in its own output root, the three
    started together (independent processes; it saves the wall time of two starts):
    ``{spec: (root, result)}``."""
    started = {}
    for i, (spec, _) in enumerate(BAD_DESIGNS):
        root = tmp_path_factory.mktemp(f"bad_design{i}")
        started[spec] = (root, start([sys.executable, "-m", "sim", f"+sweep.design={spec}",
                                      "sweep.seeds=2", f"output.root={root}",
                                      "sweep.progress=false"]))
    done = {}
    for spec, (root, proc) in started.items():
        out, err = finish(proc)
        done[spec] = (root, subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


@pytest.mark.parametrize("spec, says", BAD_DESIGNS)
def test_a_bad_design_is_one_line(bad_designs, spec, says):
    tmp_path, done = bad_designs[spec]
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert not (tmp_path / "sweeps").exists()


def test_the_design_is_in_the_hash(design_sweep):
    # the plan a real design sweep wrote (the shared sweep: only its chunk size and name
    # differ from a default one, and every hash below is compared within this plan)
    plain = json.loads((only_job(design_sweep, "d") / "job.json").read_text())["config"]
    base = config_hash(plain)
    other = copy.deepcopy(plain)
    other["sweep"]["design"]["seed"] = 4
    assert config_hash(other) != base
    none = copy.deepcopy(plain)
    none["sweep"]["design"] = {}
    absent = copy.deepcopy(none)
    del absent["sweep"]["design"]
    assert config_hash(none) == config_hash(absent)     # plain sweeps keep their hash
    assert Plan.from_config(none).design_n == 0
    # same spec, other uncertainties (a narrowed scenario) -> another design, another hash
    moved = copy.deepcopy(plain)
    moved["sweep"]["design"]["uncertainties"] = "extended"
    assert config_hash(moved) != base


RESUME = ["scenario=status_quo", "+sweep.design={kind: latin, N: 40, seed: 2}", "sweep.seeds=2",
          "sweep.chunk_size=4", "sweep.workers=2", "sweep.executor=local"]


def command(root: Path, name: str) -> list[str]:
    return [sys.executable, "-m", "sim", *RESUME, f"sweep.name={name}", f"output.root={root}",
            "sweep.progress=false"]


@pytest.mark.slow
def test_an_interrupted_design_sweep_resumes_to_the_same_tables(tmp_path):
    ok(run(command(tmp_path, "whole")))
    whole = only_job(tmp_path, "whole")
    proc, signalled, out, err = interrupt(tmp_path, "cut", new_markers(2), 0.0, signal.SIGKILL,
                                          cmd=command(tmp_path, "cut"))
    assert signalled, f"the sweep ended before the kill\n{out}\n{err}"
    assert_group_gone(proc.pid)
    result = ok(run(command(tmp_path, "cut")))
    assert "80 runs (" in result.stdout and "80 runs (80 now" not in result.stdout
    cut = only_job(tmp_path, "cut")
    pd.testing.assert_frame_equal(runs_table(cut), runs_table(whole))
    pd.testing.assert_frame_equal(years_table(cut), years_table(whole))
    assert designs.load(cut / "design.json") == designs.load(whole / "design.json")


# --- the same design on Ray and through Hydra's submitit launcher --------------------------

LAUNCH = ["scenario=status_quo", "+sweep.design={kind: sobol, N: 4, seed: 1}", "sweep.seeds=2",
          "sweep.chunk_size=16"]


def design_runs(root: Path, name: str) -> pd.DataFrame:
    return runs_table(only_job(root, name)).sort_values("run_id").reset_index(drop=True)


@pytest.mark.slow
def test_a_design_sweep_on_ray_matches_local(tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")
    ok(sim(tmp_path, *LAUNCH, "sweep.name=local"))
    ok(sim(tmp_path, *LAUNCH, "sweep.name=ray", "sweep.executor=ray", "sweep.workers=2",
           timeout=600))
    local, ray = design_runs(tmp_path, "local"), design_runs(tmp_path, "ray")
    assert len(local) == 4 * (10 + 2) * 2       # Saltelli: N (k + 2) points (k = 10) x seeds
    pd.testing.assert_frame_equal(local, ray)
    assert (only_job(tmp_path, "ray") / "design.json").is_file()


@pytest.mark.slow
def test_a_design_sweep_through_submitit_matches_the_basic_launcher(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher",
                        reason="the SLURM launcher is an optional extra: pip install -e '.[slurm]'")
    ok(sim(tmp_path, "-m", *LAUNCH, "sweep.name=basic"))
    ok(sim(tmp_path, "-m", *LAUNCH, "sweep.name=submitit", "hydra/launcher=submitit_local",
           "hydra.launcher.timeout_min=10", timeout=600))
    pd.testing.assert_frame_equal(design_runs(tmp_path, "basic"), design_runs(tmp_path, "submitit"))
