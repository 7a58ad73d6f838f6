"""The sweep command line's promises (issue 14), through ``python -m sim`` in
subprocesses where they concern the command: a sweep folder holds one definition (a
changed config or another seed count under the same name is refused, nothing mixed in),
a grid over the horizon runs each point to its end, overflowing values and non-finite
results are refused before anything is saved, ``--help`` is short and complete, folder
names are short and readable, the first compile is announced.

Everything is written under pytest's tmp_path (``output.root=<tmp>``), never results/.
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pandas as pd
import pytest
from chunk_files import job_dirs, ok, only_job, run, runs_table, sim, stamp, years_table

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



def test_first_non_finite_names_the_path():
    from sim.io import first_non_finite
    assert first_non_finite({"a": 1, "b": "x", "c": None, "d": 2.5, "e": np.float64(1)}) is None
    assert first_non_finite({"a": 1.0, "b": float("nan")}) == "b"
    assert first_non_finite({"a": {"b": [1.0, np.float64("inf")]}}) == "a.b.1"
    assert first_non_finite({"a": np.float32("nan")}) == "a"
    assert first_non_finite({"y": np.array([1.0, np.nan])}, "row") == "row.y[1]"
    assert first_non_finite(float("-inf")) == "value"
