"""Hydra's submitit launcher (the SLURM path, run locally) gives the same tables as the
default launcher."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.experiments.results import load

pytest.importorskip("hydra_plugins.hydra_submitit_launcher",
                    reason="the SLURM launcher is an optional extra: pip install -e '.[slurm]'")

ARGS = ["-m", "scenario=status_quo,cold_war_race", "sweep.seeds=5", "sweep.chunk_size=3",
        "sweep.progress=false", "sweep.name=launch"]


def sweep(root, *extra):
    done = subprocess.run([sys.executable, "-m", "sim", *ARGS, f"output.root={root}", *extra],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    runs, _, counts = load(root / "sweeps" / "launch")
    assert counts["missing"] == 0
    return runs.sort_values(["scenario", "run_id"]).reset_index(drop=True)


@pytest.mark.slow
def test_submitit_local_matches_the_basic_launcher(tmp_path):
    basic = sweep(tmp_path / "basic")
    submitit = sweep(tmp_path / "submitit", "hydra/launcher=submitit_local",
                     "hydra.launcher.timeout_min=10")
    assert len(basic) == 10
    pd.testing.assert_frame_equal(basic.drop(columns=["job", "group"]),
                                  submitit.drop(columns=["job", "group"]))
