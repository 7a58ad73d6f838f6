"""The report's "What decides the outcome" section, end to end on a small headline-like
folder made with the project's experiments (fewer points and seeds): fixed-parameter
scenarios, their Latin-hypercube ensembles, a Morris screening and levers on a grid
around a design. Written under pytest's tmp_path."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from chunk_files import ok, run

#: builds a small headline folder through five experiments (about a minute): slow
pytestmark = pytest.mark.slow

SCENARIOS = "scenario=status_quo,cold_war_race"


def sim(root: Path, *args: str):
    return ok(run([sys.executable, "-m", "sim", "-m", *args, f"output.root={root}",
                   "sweep.progress=false", "sweep.name=h"]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("decide")
    sim(root, "experiment=headline", SCENARIOS, "sweep.seeds=4")
    sim(root, "experiment=ensemble", SCENARIOS, "sweep.design.N=8", "sweep.seeds=1")
    sim(root, "experiment=sensitivity", "sweep.design.N=4", "sweep.seeds=2")
    sim(root, "experiment=levers", "sweep.design.N=6", "sweep.seeds=1")   # 16 lever settings
    ok(run([sys.executable, "-m", "sim.experiments.report", str(root / "sweeps" / "h")]))
    return root / "sweeps" / "h"


def test_the_section_is_on_the_page(folder):
    page = (folder / "report" / "index.html").read_text()
    assert "<h2>What decides the outcome</h2>" in page
    for name in ("decide-ensemble", "decide-sensitivity", "decide-levers"):
        assert f'src="{name}.png"' in page
        assert (folder / "report" / f"{name}.png").stat().st_size > 10_000
    assert re.search(r"PRIM:</b> \w+ in \d+% of runs when", page)
    assert "In short" in page


def test_ensemble_and_point_shares_side_by_side(folder):
    table = pd.read_csv(folder / "report" / "decide-ensemble.csv")
    assert set(table["scenario"]) == {"status_quo", "cold_war_race"}
    assert (table["point_runs"] == 4).all() and (table["ensemble_runs"] == 8).all()
    for _, sub in table.groupby("scenario"):
        assert sub["point"].sum() == pytest.approx(1) and sub["ensemble"].sum() == pytest.approx(1)
    # the fixed-parameter scenarios stay the page's main table; the designs are not in it
    summary = pd.read_csv(folder / "report" / "summary.csv")
    assert len(summary) == 2 + 2 + 1 + 16         # scenarios, ensembles, Morris, lever settings


def test_lever_effects_are_paired(folder):
    table = pd.read_csv(folder / "report" / "decide-levers.csv")
    assert set(table["lever"]) == {"mechanisms.wolf_amendment.repeal_year",
                                   "mechanisms.iss_retirement.year",
                                   "mechanisms.open_station.courting", "mechanisms.bridges.strength"}
    # each lever: 6 design points x 1 seed x 8 settings of the other three levers
    assert (table["pairs"] == 48).all()
    assert ((table["low"] <= table["change"]) & (table["change"] <= table["high"])).all()


def test_the_analysis_commands_read_the_same_folder(folder):
    done = ok(run([sys.executable, "-m", "sim.experiments.analyze", "sensitivity", str(folder),
                   "--scenario", "status_quo", "--resamples", "20"]))
    assert "sensitivity (" in done.stdout
