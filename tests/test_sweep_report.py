"""The multirun smoke test through the real command lines, in subprocesses: two
scenarios x 6 seeds in chunks of 4 (``python -m sim -m ...``), then its report with plots
(``python -m sim.experiments.report``), built once for this file: the jobs, the report's
tables and plots, the outcome pieces (issue 11), the phase diagram of a two-parameter
grid, and the page opened in a real headless browser (Debian's chromium).

Everything is written under pytest's tmp_path (``output.root=<tmp>``), never results/.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from sim.outcome.rule import OUTCOMES
from chunk_files import (complete_chunks, job_dirs, ok, only_job, report,
                         runs_table, sim, years_table)

#: every plot a sweep report draws (the phase diagram only with two swept parameters)
PLOTS = ["outcome_shares", "timeseries_cooperation", "timeseries_camps",
         "timeseries_programmes", "camps_stacked", "networks", "ternary",
         "hindcast", "capability_shares", "states"]   # sim/experiments/report_world.py


# --- helpers ---------------------------------------------------------------------------

def assert_nontrivial_png(path: Path) -> None:
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


# --- the shared sweep (module scope: run once) ----------------------------------------------

@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """The real multirun: two scenarios x 6 seeds in chunks of 4 (``python -m sim -m
    ...``), then its report with plots (``python -m sim.experiments.report``)."""
    root = tmp_path_factory.mktemp("smoke")
    result = sim(root, "scenario=status_quo,cold_war_race", "sweep.seeds=6", "sweep.chunk_size=4",
                 "sweep.name=smoke", multirun=True)
    folder = root / "sweeps" / "smoke"
    rep = report(folder) if result.returncode == 0 else None
    return {"root": root, "folder": folder, "sim": result, "report": rep}


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



# --- the phase diagram -------------------------------------------------------------------

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



# --- the page in a real browser --------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium(*args, tmp):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                             "(apt-get install chromium; .ci/run does)")
def test_report_page_renders_in_chromium(smoke, tmp_path):
    smoke_report(smoke)
    page = (smoke["folder"] / "report" / "index.html").as_uri()
    dom = chromium("--dump-dom", page, tmp=tmp_path).stdout
    assert "status_quo" in dom and "cold_war_race" in dom
    assert dom.count("<img") >= 6 and "<table>" in dom
    shot = tmp_path / "page.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", page, tmp=tmp_path)
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    # not blank: the table and the plots put many distinct colours on the page
    assert pixels.std() > 0.05
    assert len(np.unique((pixels.reshape(-1, 3) * 255).astype(int), axis=0)) > 50
