"""``python -m sim.experiments.analyze``: sensitivity, discovery and the policy view on runs tables
written in the project's runs-table format (model-free functions with known answers)."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments import designs as D, levers as L, uncertainties as U
from sim.experiments.analyze import main
from sim.experiments.analysis.policy import policy_effects

ROOT = Path(__file__).resolve().parent.parent


def uniform(name, low=0.0, high=1.0):
    return U.Uncertainty(key=f"test.{name}", kind="uniform", low=low, high=high,
                         status="assumption", reason="test function input")


def write(folder: Path, design: D.Design, runs: pd.DataFrame) -> Path:
    """A results folder as the sweep and report leave it: design.json, report/runs.parquet."""
    D.save(design, folder / "design.json")
    (folder / "report").mkdir(parents=True, exist_ok=True)
    runs.to_parquet(folder / "report" / "runs.parquet")
    return folder


def files(folder: Path) -> set:
    return {p.relative_to(folder) for p in folder.rglob("*")}


# --- sensitivity -----------------------------------------------------------------------------

def test_sobol_on_ishigami_matches_known_indices(tmp_path):
    """Ishigami (a = 7, b = 0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244 —
    through the CLI's own path (design file, runs table, per-point outputs, SALib)."""
    design = D.sobol([uniform(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)], 512, seed=1)
    v = design.values()
    x1, x2, x3 = (v[f"test.x{i}"].to_numpy() for i in (1, 2, 3))
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)
    # two seeds per point with the same value: shares and means are the function itself
    runs = pd.concat([v.assign(seed=s, ishigami=y, outcome=np.where(y > 3.5, "high", "low"),
                               scenario="ishigami") for s in (1, 2)], ignore_index=True)
    folder = write(tmp_path, design, runs)
    table = main(["sensitivity", str(folder), "--metrics", "ishigami", "--resamples", "50"])
    ish = table[table["output"] == "mean ishigami"].set_index("label")
    np.testing.assert_allclose(ish.loc[["x1", "x2", "x3"], "S1"], [0.314, 0.442, 0.0], atol=0.04)
    np.testing.assert_allclose(ish.loc[["x1", "x2", "x3"], "ST"], [0.558, 0.442, 0.244], atol=0.04)
    assert (ish["S1_low"] <= ish["S1"]).all() and (ish["ST_high"] >= ish["ST"]).all()
    assert (ish["noise_share"] == 0).all()          # identical seeds: no seed noise
    shares = table[table["output"] == "share high"]
    assert len(shares) == 3 and shares["ST"].notna().all()
    out = folder / "report"
    assert (out / "sensitivity.csv").is_file() and (out / "sensitivity.png").stat().st_size > 10_000


def test_design_point_is_derived_from_run_id_when_absent(tmp_path):
    """The sweep's point-major order: run_id // seeds is the design point."""
    design = D.sobol([uniform("a"), uniform("b")], 16, seed=2)
    v = design.values()
    runs = pd.concat([v.assign(seed=s) for s in (1, 2, 3)]).sort_values(["design_point", "seed"])
    runs["run_id"] = np.arange(len(runs))
    runs["y"] = runs["test.a"] + 0.1 * runs["seed"]
    runs["outcome"] = np.where(runs["y"] > 0.6, "bloc", "race")
    write(tmp_path, design, runs.drop(columns="design_point"))
    table = main(["sensitivity", str(tmp_path), "--metrics", "y", "--resamples", "20"])
    y = table[table["output"] == "mean y"].set_index("label")
    assert y.loc["a", "ST"] > 0.9 and abs(y.loc["b", "ST"]) < 0.05
    # rows shuffled against the design: caught, not silently misattributed
    bad = runs.drop(columns="design_point").copy()
    bad["run_id"] = np.random.default_rng(0).permutation(bad["run_id"].to_numpy())
    write(tmp_path, design, bad)
    with pytest.raises(SystemExit):
        main(["sensitivity", str(tmp_path), "--metrics", "y"])


def test_morris_ranks_an_inert_input_last(tmp_path):
    params = [uniform("strong"), uniform("weak"), uniform("inert"), uniform("inter")]
    design = D.morris(params, 30, seed=4)
    v = design.values()
    s, w, i, t = (v[f"test.{n}"].to_numpy() for n in ("strong", "weak", "inert", "inter"))
    y = 10 * s + 2 * w ** 2 + 3 * s * t
    rng = np.random.default_rng(1)
    runs = pd.concat([v.assign(seed=k, y=y, outcome=np.where(y + rng.normal(0, 1, len(y)) > 7,
                                                             "collaboration", "race"))
                      for k in range(5)], ignore_index=True)
    write(tmp_path, design, runs)
    table = main(["sensitivity", str(tmp_path), "--metrics", "y", "--resamples", "50"])
    ym = table[table["output"] == "mean y"].set_index("label")
    assert list(ym.sort_values("mu_star").index)[0] == "inert"
    assert ym.loc["inert", "mu_star"] < 1e-9
    assert ym.loc["strong", "mu_star"] == ym["mu_star"].max()
    assert ym.loc["inter", "sigma"] > 0 and ym.loc["weak", "mu_star"] > 0
    shares = table[table["output"] == "share collaboration"].set_index("label")
    assert shares["mu_star"].idxmax() == "strong"
    assert 0 < shares["noise_share"].iloc[0] < 1   # five noisy seeds: some of it is noise


# --- scenario discovery ------------------------------------------------------------------------

def planted(tmp_path, n=200, seeds=4):
    """Collaboration in 90% of runs inside a < 0.6 and b > 0.45, 5% outside."""
    params = [uniform(n_) for n_ in ("a", "b", "c", "d")]
    design = D.latin(params, n, seed=3)
    v = design.values()
    inside = (v["test.a"] < 0.6) & (v["test.b"] > 0.45)
    rng = np.random.default_rng(0)
    runs = pd.concat([v.assign(seed=s, scenario="synthetic", outcome=np.where(
        rng.random(n) < np.where(inside, 0.9, 0.05), "collaboration", "race"))
        for s in range(seeds)], ignore_index=True)
    return write(tmp_path, design, runs), runs


def test_prim_recovers_a_planted_box(tmp_path, capsys):
    folder, _ = planted(tmp_path)
    result = main(["discover", str(folder), "--outcome", "collaboration"])
    lim = result["limits"]
    assert abs(lim["test.a"].iloc[1] - 0.6) < 0.05 and lim["test.a"].iloc[0] < 0.05
    assert abs(lim["test.b"].iloc[0] - 0.45) < 0.05 and lim["test.b"].iloc[1] > 0.95
    assert set(result["quasi_p"]) == {"test.a", "test.b"}      # c and d left free
    row = result["trajectory"].iloc[result["chosen"]]
    assert row["density"] > 0.8 and row["coverage"] > 0.8
    out = capsys.readouterr().out
    assert re.search(r"PRIM: collaboration in \d+% of runs when a <= 0\.(5[5-9]|6[0-4])\d* and "
                     r"b >= 0\.(4[0-9]|50)\d*; covers \d+% of all collaboration runs", out), out
    assert re.search(r"CART: collaboration in \d+% of runs when .*a <= 0\.(5[5-9]|6[0-4])", out), out
    assert re.search(r"b > 0\.(4[0-9]|50)", result["cart_rule"])
    for ext in ("png", "csv", "txt"):
        assert (folder / "report" / f"discover-collaboration.{ext}").is_file()


# --- the policy view ------------------------------------------------------------------------------

def test_policy_effect_with_paired_intervals_and_where_it_stops_helping():
    """The lever turns race into collaboration only where threat < 0.5: overall change
    about +0.5 with an interval excluding 0; in the top tercile of threat, nil."""
    rng = np.random.default_rng(5)
    n, seeds = 150, 4
    threat = rng.uniform(0, 1, n)
    base = pd.DataFrame({"design_point": np.repeat(np.arange(n), seeds),
                         "seed": np.tile(np.arange(seeds), n),
                         "world.threat_perception": np.repeat(threat, seeds)})
    u = rng.random(len(base))
    off = base.assign(lever="in force", outcome=np.where(u < 0.1, "collaboration", "race"))
    helped = (base["world.threat_perception"] < 0.5) & (u < 0.9)
    on = base.assign(lever="repealed", outcome=np.where((u < 0.1) | helped, "collaboration", "race"))
    runs = pd.concat([off, on], ignore_index=True)
    table = policy_effects(runs, "lever", "in force", "repealed", by="world.threat_perception")
    c = table[table["outcome"] == "collaboration"].set_index("region")
    overall = c.loc["all"]
    assert overall["pairs"] == n * seeds and 0.3 < overall["change"] < 0.6
    assert overall["low"] > 0.25 and overall["high"] < 0.65
    top = c.iloc[-1]                              # highest tercile of threat perception
    assert top.name.startswith("threat_perception 0.6") and top["change"] == 0
    assert top["low"] == 0 and top["high"] == 0
    assert c.iloc[1]["change"] > 0.7              # lowest tercile: it helps most
    race = table[(table["outcome"] == "race") & (table["region"] == "all")].iloc[0]
    assert np.isclose(race["change"], -overall["change"])


def test_policy_cli_pairs_scenarios_on_seeds(tmp_path, capsys):
    seeds = np.arange(40)
    runs = pd.concat([pd.DataFrame({"scenario": "status_quo", "seed": seeds, "outcome": "race"}),
                      pd.DataFrame({"scenario": "wolf_repeal", "seed": seeds,
                                    "outcome": np.where(seeds < 10, "collaboration", "race")})])
    (tmp_path / "report").mkdir()
    runs.to_parquet(tmp_path / "report" / "runs.parquet")
    table = main(["policy", str(tmp_path), "--lever", "scenario", "--off", "status_quo",
                  "--on", "wolf_repeal"])
    assert np.isclose(table.set_index("outcome").loc["collaboration", "change"], 0.25)
    assert (tmp_path / "report" / "policy-scenario-wolf_repeal.csv").is_file()
    assert (tmp_path / "report" / "policy-scenario-wolf_repeal.png").is_file()
    assert "+25.0%" in capsys.readouterr().out


# --- bad input ----------------------------------------------------------------------------------

def expect_usage_error(argv, capsys, match):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err, err


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    folder, runs = planted(tmp_path / "ok", n=30, seeds=2)
    before = files(tmp_path)
    expect_usage_error(["discover", str(tmp_path / "nope"), "--outcome", "bloc"], capsys,
                       "DIR=")
    expect_usage_error(["discover", str(folder), "--outcome", "bloc"], capsys,
                       "--outcome='bloc': not in the results; present: collaboration, race")
    expect_usage_error(["discover", str(folder), "--outcome", "race", "--inputs", "test.a,zz"],
                       capsys, "missing column(s) 'zz'")
    expect_usage_error(["sensitivity", str(folder)], capsys, "sensitivity needs a sobol or morris")
    expect_usage_error(["discover", str(folder), "--outcome", "race", "--out", str(tmp_path)],
                       capsys, "must lie inside")
    assert files(tmp_path) == before
    (tmp_path / "empty").mkdir()
    expect_usage_error(["sensitivity", str(tmp_path / "empty")], capsys, "no runs table")
    small = tmp_path / "small"
    write(small, D.latin([uniform("a")], 5, 0),
          pd.DataFrame({"seed": range(5), "outcome": "race", "test.a": 0.5}))
    expect_usage_error(["discover", str(small), "--outcome", "race"], capsys,
                       "5 runs; at least 20 are needed")
    nocol = tmp_path / "nocol"
    write(nocol, D.latin([uniform("a")], 5, 0), runs.drop(columns="outcome"))
    expect_usage_error(["discover", str(nocol), "--outcome", "race"], capsys,
                       "missing column(s) 'outcome'")
    # an incomplete Sobol sweep: some design points have no runs yet
    partial = tmp_path / "partial"
    design = D.sobol([uniform("a"), uniform("b")], 8, 0)
    v = design.values()
    write(partial, design, v.iloc[:-4].assign(seed=1, outcome="race"))
    expect_usage_error(["sensitivity", str(partial)], capsys, "4 of 32 design points have no runs")
    (partial / "report" / "runs.parquet").write_bytes(b"not parquet")
    expect_usage_error(["sensitivity", str(partial)], capsys, "not a readable Parquet table")


def test_cli_bad_input_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim.experiments.analyze", "discover", str(tmp_path / "x"),
                           "--outcome", "race"], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: DIR=")


def test_discover_with_per_job_designs_levers_and_plain_runs(tmp_path, capsys):
    """A folder as a design sweep leaves it: a design per job, a lever sampled as a
    categorical parameter (None = status quo), and plain scenario runs beside them."""
    lever = L.Lever("mechanisms.wolf_amendment.repeal_year", "US Congress", "repeal", "003",
                    tuple(L.Option(v, str(v), "t") for v in (None, 2025, 2030)))
    design = D.latin(L.with_levers([uniform("a")], [lever]), 120, seed=2)
    v = design.values()
    repealed = v[lever.key].notna()
    runs = pd.concat([v.assign(seed=s, job="status_quo", scenario="status_quo",
                               outcome=np.where(repealed & (v["test.a"] > 0.5), "collaboration", "bloc"))
                      for s in (1, 2)], ignore_index=True)
    plain = pd.DataFrame({"job": "headline", "scenario": "cold_war_race", "seed": range(50),
                          "outcome": "race"})
    runs = pd.concat([runs, plain], ignore_index=True)
    (tmp_path / "report").mkdir()
    runs.to_parquet(tmp_path / "report" / "runs.parquet")
    D.save(design, tmp_path / "status_quo" / "design.json")
    result = main(["discover", str(tmp_path), "--outcome", "collaboration"])
    assert result["n_runs"] == 240                      # the plain runs are left out
    assert "repeal_year in {2025, 2030}" in result["rule"]
    assert re.search(r"a >= 0\.(4[7-9]|5[0-3])", result["rule"]) and "covers 100%" in result["rule"]
    assert "repeal_year != null" in result["cart_rule"] or "repeal_year = " in result["cart_rule"]
