"""Batched sweeps end to end, through the real command lines (``python -m sim`` and
``python -m sim.experiments.report``) in subprocesses: multirun, resume, executors, partial
folders, plots, the phase diagram, ``--verify`` and the refusal to mix configs.

Everything is written under pytest's tmp_path (``output.root=<tmp>``), never results/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sim.outcome.rule import OUTCOMES  # noqa: E402
from chunk_files import (chunk_files, cut, marker_state, ok, run, runs_table,  # noqa: E402
                         sha256, stamp, years_table)

#: a small single-job sweep: 10 runs in 5 chunks of 2 (the reference for most tests)
BASE = ["scenario=status_quo", "sweep.seeds=10", "sweep.chunk_size=2"]
BASE_RUNS, BASE_CHUNKS = 10, 5

#: every plot a sweep report draws (the phase diagram only with two swept parameters)
PLOTS = ["outcome_shares", "timeseries_cooperation", "timeseries_camps",
         "timeseries_programmes", "camps_stacked", "networks", "ternary",
         "hindcast", "capability_shares", "states"]   # sim/experiments/report_world.py


# --- helpers ---------------------------------------------------------------------------

def sim(root: Path, *args: str, multirun: bool = False, **kw) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim", *(["-m"] if multirun else []), *args,
           f"output.root={root}", "sweep.progress=false"]
    return run(cmd, **kw)


def report(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "sim.experiments.report", str(folder), *args])


def job_dirs(root: Path, name: str) -> list[Path]:
    return sorted(p.parent for p in (root / "sweeps" / name).glob("*/job.json"))


def only_job(root: Path, name: str) -> Path:
    jobs = job_dirs(root, name)
    assert len(jobs) == 1, jobs
    return jobs[0]


def complete_chunks(job: Path) -> list[bool]:
    """Which chunks are complete, checked independently of sim.experiments.sweep."""
    plan = json.loads((job / "job.json").read_text())
    return [marker_state(job, k, min(plan["chunk_size"], plan["n_runs"] - k * plan["chunk_size"]),
                         plan["config_hash"]) is True for k in range(plan["n_chunks"])]


def copy_root(src_root: Path, dst_root: Path, name: str) -> Path:
    """Copy a sweep folder to another output.root (same relative layout); the job."""
    shutil.copytree(src_root / "sweeps" / name, dst_root / "sweeps" / name)
    return only_job(dst_root, name)


def assert_nontrivial_png(path: Path) -> None:
    import matplotlib.image as mpimg

    assert path.is_file(), f"{path.name} missing"
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4), img.shape
    h, w = img.shape[:2]
    assert h > 200 and w > 200, f"{path.name}: only {w}x{h} pixels"
    rgb = np.asarray(img[..., :3], dtype=float)
    assert rgb.std() > 0.03, f"{path.name}: blank (pixel std {rgb.std():.4f})"
    q = np.round(rgb.reshape(-1, 3) * 255).astype(np.uint32)
    colours = np.unique((q[:, 0] << 16) | (q[:, 1] << 8) | q[:, 2])
    assert len(colours) > 50, f"{path.name}: only {len(colours)} distinct colours"
    background = (rgb > 0.97).all(axis=2).mean()
    assert background < 0.995, f"{path.name}: {100 * background:.1f}% white"


def assert_svg(path: Path) -> None:
    assert path.is_file(), f"{path.name} missing"
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and text.rstrip().endswith("</svg>"), path.name
    assert len(text) > 5000, f"{path.name}: only {len(text)} characters"


# --- shared sweeps (module scope: each is run once) -------------------------------------

@pytest.fixture(scope="module")
def smoke(smoke_sweep):
    """The real multirun: two scenarios x 6 seeds in chunks of 4, then its report
    (conftest.smoke_sweep, built once and shared with tests/test_report_page.py)."""
    return smoke_sweep


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One job of 10 runs in 5 chunks with the local executor on 2 workers."""
    root = tmp_path_factory.mktemp("base")
    ok(sim(root, *BASE, "sweep.workers=2", "sweep.executor=local", "sweep.name=base"))
    job = only_job(root, "base")
    assert all(complete_chunks(job))
    return {"root": root, "job": job, "runs": runs_table(job), "years": years_table(job)}


# --- multirun smoke test and its report -------------------------------------------------

def test_multirun_writes_two_complete_jobs(smoke):
    ok(smoke["sim"])
    jobs = job_dirs(smoke["root"], "smoke")
    assert len(jobs) == 2, jobs
    scenarios = set()
    for job in jobs:
        plan = json.loads((job / "job.json").read_text())
        scenarios.add(plan["scenario"])
        assert f"scenario={plan['scenario']}" in job.name
        assert plan["n_runs"] == 6 and plan["n_chunks"] == 2
        assert complete_chunks(job) == [True, True]
        runs = runs_table(job)
        assert runs["run_id"].tolist() == list(range(6))
        assert runs["seed"].tolist() == list(range(1, 7))
        assert (runs["scenario"] == plan["scenario"]).all()
        done = json.loads((job / "manifest.json").read_text())
        assert done["runs"] == 6 and done["config_hash"] == plan["config_hash"]
    assert scenarios == {"status_quo", "cold_war_race"}
    for s in scenarios:
        assert re.search(rf"^{s}: 6 runs \(6 now", smoke["sim"].stdout, re.M), smoke["sim"].stdout


def smoke_report(smoke) -> subprocess.CompletedProcess:
    ok(smoke["sim"])
    assert smoke["report"] is not None
    return ok(smoke["report"])


def test_report_of_multirun(smoke):
    smoke_report(smoke)
    out = smoke["folder"] / "report"
    assert "report: 12 runs from 2 jobs (4 complete chunks, 0 missing)" in smoke["report"].stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 12
    assert runs.groupby("scenario").size().to_dict() == {"cold_war_race": 6, "status_quo": 6}
    assert not runs.duplicated(["job", "run_id"]).any()
    assert set(runs["outcome"]) <= set(OUTCOMES)

    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["scenario"]) == ["cold_war_race", "status_quo"]
    assert (summary["runs"] == 6).all()
    shares = summary[[f"share_{o}" for o in OUTCOMES]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-3)
    for o in OUTCOMES:
        assert (summary[f"share_{o}_low"] <= summary[f"share_{o}"] + 1e-9).all()
        assert (summary[f"share_{o}"] <= summary[f"share_{o}_high"] + 1e-9).all()
        # the stored shares are the runs table's shares
        counts = runs[runs["outcome"] == o].groupby("scenario").size()
        expected = summary["scenario"].map(counts).fillna(0) / 6
        np.testing.assert_allclose(summary[f"share_{o}"], expected, atol=1e-3)

    series = pd.read_parquet(out / "series.parquet")
    assert {"group", "year", "metric", "q25", "median", "q75"} <= set(series.columns)
    assert series["group"].nunique() == 2
    assert ((series["q25"] <= series["median"] + 1e-9) & (series["median"] <= series["q75"] + 1e-9)).all()

    page = (out / "index.html").read_text(encoding="utf-8")
    assert "status_quo" in page and "cold_war_race" in page
    assert "Partial results" not in page
    assert json.loads((out / "manifest.json").read_text())["chunks"] == {"complete": 4, "missing": 0}


def test_report_plots_are_nontrivial(smoke):
    smoke_report(smoke)
    out = smoke["folder"] / "report"
    for name in PLOTS:
        assert_nontrivial_png(out / f"{name}.png")
        assert_svg(out / f"{name}.svg")
    # one scenario axis only: no phase diagram
    assert not (out / "phase_diagram.png").exists()
    # the page shows every plot, and every image it shows exists
    page = (out / "index.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'<img src="([^"]+)\.png"', page))
    assert shown == set(PLOTS)
    for name in shown:
        assert f'href="{name}.svg"' in page


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


# --- the report on partial folders, the phase diagram, --verify ------------------------------

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


@pytest.mark.slow
def test_phase_diagram_over_two_swept_parameters(tmp_path):
    grid = "+sweep.grid={world.threat_perception:[0.5,1.5],world.rules_of_the_road:[0.0,1.0]}"
    ok(sim(tmp_path, grid, "sweep.seeds=3", "sweep.chunk_size=4", "sweep.name=phase"))
    job = only_job(tmp_path, "phase")
    assert json.loads((job / "job.json").read_text())["n_runs"] == 12
    assert all(complete_chunks(job))
    result = ok(report(tmp_path / "sweeps" / "phase"))
    out = tmp_path / "sweeps" / "phase" / "report"
    assert_nontrivial_png(out / "phase_diagram.png")
    assert_svg(out / "phase_diagram.svg")
    assert "phase_diagram.png" in (out / "index.html").read_text(encoding="utf-8")
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["world.threat_perception"].unique()) == [0.5, 1.5]
    assert sorted(runs["world.rules_of_the_road"].unique()) == [0.0, 1.0]
    assert runs.groupby(["world.threat_perception", "world.rules_of_the_road"]).size().tolist() == [3] * 4
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4 and (summary["runs"] == 3).all()
    assert "12 runs" in result.stdout


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


# --- a changed config never mixes into an old sweep folder ----------------------------------

@pytest.fixture(scope="module")
def changed_config(tmp_path_factory):
    """A user's experiment file (found via hydra.searchpath) is edited between two runs of
    the same command: same folder name, different config. Runs both; keeps what the
    folder held before the second run."""
    tmp = tmp_path_factory.mktemp("changed")
    exp = tmp / "configs" / "experiment" / "tweak.yaml"
    exp.parent.mkdir(parents=True)
    exp.write_text("# @package _global_\nworld:\n  threat_perception: 1.2\n")
    args = ["experiment=tweak", f"hydra.searchpath=[file://{tmp / 'configs'}]",
            "sweep.seeds=4", "sweep.chunk_size=2", "sweep.name=mixed"]
    out = tmp / "out"
    ok(sim(out, *args))
    job = only_job(out, "mixed")
    before = {"stamps": {f: stamp(f) for f in _results(job)}, "runs": runs_table(job),
              "job": json.loads((job / "job.json").read_text()),
              "hydra": (job / ".hydra" / "config.yaml").read_text()}
    exp.write_text("# @package _global_\nworld:\n  threat_perception: 1.4\n")
    return {"out": out, "job": job, "before": before, "result": sim(out, *args)}


def _results(job):
    return sorted([job / "job.json", job / "manifest.json", *(job / "chunks").iterdir()])


def test_config_change_with_same_name_is_refused(changed_config):
    job, before, result = changed_config["job"], changed_config["before"], changed_config["result"]
    assert before["job"]["config"]["world"]["threat_perception"] == 1.2
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "sweep.name" in lines[0] and str(job) in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    # the results (plan, manifest, chunks) were not touched and hold only the old runs
    assert {f: stamp(f) for f in _results(job)} == before["stamps"]
    pd.testing.assert_frame_equal(runs_table(job), before["runs"])
    assert json.loads((job / "job.json").read_text()) == before["job"]
    assert job_dirs(changed_config["out"], "mixed") == [job]


def test_refused_config_change_leaves_hydra_record_alone(changed_config):
    job = changed_config["job"]
    assert changed_config["result"].returncode == 2
    assert (job / ".hydra" / "config.yaml").read_text() == changed_config["before"]["hydra"]


def test_lockstep_blocks_never_mix_grid_points():
    from sim.experiments.plan import Plan
    from sim.experiments.sweep import _by_point

    plan = Plan(points=[{"x": 1}, {"x": 2}, {"x": 3}], seeds=range(5, 10), chunk_size=7,
                config_hash="h")
    blocks = [(p, ids) for k in range(plan.n_chunks) for p, ids in _by_point(plan, plan.chunk(k), 3)]
    assert [ids for _, ids in blocks] == [[0, 1, 2], [3, 4], [5, 6], [7, 8, 9], [10, 11, 12],
                                          [13], [14]]
    assert all(plan.run(r)[0] == p for p, ids in blocks for r in ids)


# --- issue 14: one definition per folder, runs to the end, help, names ------------------------

@pytest.mark.slow  # test_config_change_with_same_name_is_refused is the fast equivalent
def test_other_counts_under_the_same_name_are_refused(tmp_path):
    """Issue 14.6: a sweep folder holds one definition; the same job asked with another
    seed count lands on its folder and is refused, not run beside it."""
    ok(sim(tmp_path, "scenario=status_quo", "world.threat_perception=0.5,1.0", "sweep.seeds=4",
           "sweep.chunk_size=2", "sweep.name=threat", multirun=True))
    before = job_dirs(tmp_path, "threat")
    assert len(before) == 2
    again = sim(tmp_path, "scenario=status_quo", "world.threat_perception=0.5", "sweep.seeds=2",
                "sweep.name=threat", multirun=True)
    assert again.returncode == 2, again.stdout + again.stderr
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: sweep.name='threat'"), again.stderr
    assert "holds a different sweep" in lines[0]
    assert job_dirs(tmp_path, "threat") == before
    # the same command again is a resume: allowed, nothing re-run
    resumed = ok(sim(tmp_path, "scenario=status_quo", "world.threat_perception=0.5,1.0",
                     "sweep.seeds=4", "sweep.chunk_size=2", "sweep.name=threat", multirun=True))
    assert resumed.stdout.count("(0 now") == 2, resumed.stdout


def test_grid_over_the_horizon_runs_to_the_end(tmp_path):
    """Issue 14.7 (and 14.14): a grid over world.horizon gives each point its own years;
    the job folder is named by what it sweeps and listed in index.csv."""
    ok(sim(tmp_path, "+sweep.grid={world.horizon:[2030,2040]}", "sweep.seeds=3",
           "sweep.chunk_size=2", "sweep.name=span"))
    job = only_job(tmp_path, "span")
    assert job.name == "grid=world.horizon"
    years = years_table(job)
    last = years.groupby("run_id")["year"].max().to_dict()
    assert last == {0: 2030, 1: 2030, 2: 2030, 3: 2040, 4: 2040, 5: 2040}
    index = pd.read_csv(job.parent / "index.csv")
    assert index["folder"].tolist() == ["grid=world.horizon"]
    assert "+sweep.grid={world.horizon:[2030,2040]}" in index["overrides"][0]


def test_overflow_is_refused_and_nothing_is_saved(tmp_path):
    """Issue 14.7: values that overflow never leave NaN in results (exit non-zero, one
    line, no outcome.json or chunk)."""
    for args in (["payoffs.coop_gain=1e308"], ["payoffs.coop_gain=1e308", "sweep.seeds=2"]):
        result = sim(tmp_path, *args)
        assert result.returncode != 0, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("outcome.json")) and not list(tmp_path.rglob("chunk-*.json"))


def test_outcome_json_is_strict(tmp_path):
    """Issue 14.7: results are strict JSON; a NaN is refused by the writer itself."""
    from sim.io import NonFiniteError, atomic_write_json

    with pytest.raises(NonFiniteError, match="density"):
        atomic_write_json(tmp_path / "o.json", {"density": float("nan")})
    assert not (tmp_path / "o.json").exists()


def test_help_names_groups_and_main_keys():
    """Issue 14.13: --help is short and says what the main keys mean."""
    result = ok(run([sys.executable, "-m", "sim", "--help"]))
    lines = result.stdout.splitlines()
    assert 20 < len(lines) < 100, len(lines)
    text = result.stdout
    assert "scenario " in text and "cold_war_race" in text
    # key, default, [unit], then a description (from the declarations or the YAML comment)
    assert re.search(r"world\.threat_perception\s+1\.0\s+\[[^\]]+\] .*\w{4}", text), text
    assert "world.horizon" in text and "[year]" in text
    assert "--cfg job" in text


def test_folder_names_are_short_and_readable():
    """Issue 14.14: names show the overrides; a hash only where text was lost."""
    from sim.experiments.plan import job_dirname, run_dir

    assert run_dir("r", "status_quo", 42, 1, {}, "default", []) == "r/runs/status_quo/seed42"
    assert run_dir("r", "status_quo", 42, 1, {}, "default",
                   ["world.horizon=2040", "output.root=r"]) == \
        "r/runs/status_quo/seed42,world.horizon=2040"
    assert job_dirname(["scenario=cold_war_race", "world.threat_perception=0.5",
                        "sweep.seeds=100", "sweep.workers=2", "hydra/launcher=joblib"]) == \
        "scenario=cold_war_race,world.threat_perception=0.5"
    grid = "+sweep.grid={world.threat_perception:[0.5,1,1.5,2],world.rules_of_the_road:[0,0.5,1]}"
    assert job_dirname([grid, "sweep.seeds=50"]) == \
        "grid=world.threat_perception+world.rules_of_the_road"
    odd = job_dirname(["milestones.asteroid_mission.actors=[China,US]"])
    assert re.fullmatch(r"milestones\.asteroid_mission\.actors=_China,US_-[0-9a-f]{6}", odd), odd
    long = job_dirname([f"+strategies.by_actor.state_{k:03d}=tit_for_tat" for k in range(40)])
    assert len(long) <= 100 and re.search(r"-[0-9a-f]{6}$", long)


def test_first_compile_is_announced(tmp_path, monkeypatch, capsys):
    """Issue 14.15: one line on stderr when no compiled kernels are cached yet."""
    from sim.cli.command import note_first_compile

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    note_first_compile()
    assert capsys.readouterr().err == \
        "compiling the model's kernels (first run only, ~1 min) ...\n"
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "model.kernel-1.py312.nbi").write_bytes(b"")
    note_first_compile()
    assert capsys.readouterr().err == ""


def test_report_has_the_outcome_pieces(smoke):
    """Issue 11: the triangle, the threshold-robustness table, the US-China game table and
    the lever effects (paired seeds against status_quo), recomputed here from the stored
    yearly tables."""
    smoke_report(smoke)
    out = smoke["folder"] / "report"
    page = (out / "index.html").read_text()
    assert (out / "ternary.png").exists()
    for heading in ("How the class shares move with the thresholds",
                    "The US–China stage game over time", "What each lever does"):
        assert heading in page
    effects = pd.read_csv(out / "lever_effects.csv")
    row = effects[(effects["scenario"] == "cold_war_race")
                  & (effects["target"] == "racing spending")].iloc[0]
    years = {}
    for job in job_dirs(smoke["root"], "smoke"):
        plan = json.loads((job / "job.json").read_text())
        t = years_table(job)
        years[plan["scenario"]] = t[t["year"] >= 2021].groupby("run_id")["racing_spending"].mean()
    diff = years["cold_war_race"] - years["status_quo"]      # same run ids = same seeds here
    assert row["effect"] == pytest.approx(diff.mean())
    assert row["low"] > 0 and row["pairs"] == 6


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


def test_first_non_finite_names_the_path():
    from sim.io import first_non_finite
    assert first_non_finite({"a": 1, "b": "x", "c": None, "d": 2.5, "e": np.float64(1)}) is None
    assert first_non_finite({"a": 1.0, "b": float("nan")}) == "b"
    assert first_non_finite({"a": {"b": [1.0, np.float64("inf")]}}) == "a.b.1"
    assert first_non_finite({"a": np.float32("nan")}) == "a"
    assert first_non_finite({"y": np.array([1.0, np.nan])}, "row") == "row.y[1]"
    assert first_non_finite(float("-inf")) == "value"
