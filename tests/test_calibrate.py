"""Calibration of accession to the record through 2022: observed statistics, parameter
recovery from the model's own synthetic data, the shipped fit, bounded yearly accessions."""

import json

import numpy as np
import pytest

from sim.world import calibrate as C
from sim.world.calibration import load_calibration
from sim.world.states import RECORD_FILE, load_record


@pytest.fixture(scope="module")
def record():
    return load_record(through=C.THROUGH)


def test_observed_statistics_are_the_record(record):
    obs = C.observed(record)
    assert obs == {"artemis_2021": 14, "artemis_2022": 23, "ilrs_2021": 2, "ilrs_2022": 2,
                   "artemis_recall": 1.0}


def test_fit_never_reads_after_2022(record):
    assert record["year"].max() <= 2022


def _recovery(record, true: dict, synthetic_seed: int = 12345) -> dict:
    """Rejection-ABC posterior (the fit's own distance and statistics; 1500 prior draws,
    the closest 4% kept) for data made by the model itself at ``true``."""
    cfg = C.base()
    joiners = C._joiners(record)
    m = C.simulate(cfg, [true["revision_rate"]], [true["accession_cost"]], [synthetic_seed])
    synthetic = dict(zip(C.SCALES, C.summaries(m, joiners)[0]))
    fit = C.rejection_abc(cfg, synthetic, joiners, n=1500, keep=0.04, seed=3)
    return C.summarise(fit["samples"], fit["weights"])


def _assert_recovered(post: dict, true: dict):
    for k, v in true.items():
        assert post[k]["q05"] <= v <= post[k]["q95"], (k, v, post[k])
    # and the posterior is informative about the accession cost (narrower than the prior)
    lo, hi = C.PRIORS["accession_cost"]
    assert post["accession_cost"]["q95"] - post["accession_cost"]["q05"] < 0.4 * (hi - lo)


@pytest.mark.xfail(strict=True, reason=(
    "mostly an identification limit: at an accession cost of 0.9 only 3-4 states join by "
    "2022, and between costs of about 0.7 and 1.05 the 2021-22 counts and the joiners barely "
    "move (Artemis 2022: 12.2 +- 1.5 at cost 0.7-0.8, 11.9 +- 1.4 at 0.9-1.0; ILRS 2022: "
    "2.8 +- 1.2 and 1.8 +- 0.6). The cost's 90% interval is 0.56 wide here (0.46-1.02, want "
    "< 0.52); shrinking the tolerance narrows it on this data set (0.53, 0.53, 0.51, 0.48 at "
    "6000/1%, 12000/0.5%, 24000/0.25%, 48000/0.125% draws/kept) but not on the other "
    "synthetic seeds (12347: 0.53-0.61 at every tolerance; 12346: the exact-match posterior, "
    "93 of 48000 draws at distance 0, is 0.49 wide): the posterior's own width at this truth "
    "sits at the limit. The fit's own ABC-SMC (pyabc, 300 x 6 generations, 115541 "
    "simulations, final epsilon 0.33) on this data set gives 0.44-1.01 (0.57 wide). Table "
    "in the docstring"))
def test_parameter_recovery_from_synthetic_data(record):
    """Data made by the model itself at known parameters (revision rate 0.3, accession
    cost 0.9): the rejection-ABC posterior (the same distance and statistics as the fit)
    holds them within its 90% interval, and the cost's interval is narrower than 0.4 x the
    prior width (0.52).

    Measured (issue 10, r10): 5-95% intervals, revision_rate / accession_cost (width), for
    synthetic seeds 12345-12347, prior draws / share kept (60 draws kept each time, so the
    tolerance shrinks as the draws grow; 1500/4% is this test's own draws, the others one
    shared table of prior draws).

    truth             seed   1500/4%                12000/0.5%             48000/0.125%
                      12345  .03-.68 .46-1.02(.56)  .12-.72 .48-1.02(.53)  .10-.70 .50-.98(.48)
                      12346  .03-.73 .49-1.14(.65)  .06-.78 .52-1.09(.57)  .14-.76 .61-1.09(.48)
                      12347  .07-.73 .60-1.13(.53)  .06-.67 .48-1.08(.61)  .07-.68 .55-1.08(.54)
    truth (0.4, 0.57) 12345  .15-.77 .46-.83(.37)   .19-.71 .45-.77(.33)   .16-.71 .46-.75(.29)
                      12346  .16-.78 .48-1.01(.54)  .14-.74 .46-.76(.30)   .12-.74 .46-.93(.47)
                      12347  .22-.76 .56-1.03(.47)  .16-.74 .48-1.01(.52)  .13-.73 .47-.74(.27)
    truth (0.6, 0.4)  12345  .19-.64 .05-.42(.37)   .21-.64 .02-.43(.41)   .21-.64 .02-.43(.41)
                      12346  .16-.49 .04-.42(.38)   .16-.47 .03-.41(.38)   .17-.49 .04-.41(.37)
                      12347  .26-.66 .02-.41(.39)   .30-.72 .02-.43(.41)   .32-.69 .03-.40(.38)

    All truths are covered except the revision rate at (0.6, 0.4), seed 12346 (0.6 above
    every tolerance's q95 of 0.47-0.49: one 90% interval in eighteen missing is chance).
    The cost's width at (0.3, 0.9) does not fall below the limit consistently at any
    tolerance (0.48-0.54 at 48000 draws, about three minutes of simulation), so a tighter
    tolerance would only make this test slower: it keeps the fast 1500/4% setting, whose
    coarseness adds a few hundredths to a width that is about 0.5 at this truth anyway
    (the flat response of the counts to the cost where few states join). The shipped fit's
    method, ABC-SMC (C.abc_smc, population 300, 6 generations), on the seed-12345 data:
    revision rate 0.06-0.70, cost 0.44-1.01 (0.57 wide): covered, and as wide; on the
    seed-12347 data (50284 simulations, epsilon 0.35): 0.10-0.55, cost 0.59-1.08 (0.49
    wide, just inside the limit). Either method straddles 0.52 at this truth."""
    _assert_recovered(_recovery(record, {"revision_rate": 0.3, "accession_cost": 0.9}), {
        "revision_rate": 0.3, "accession_cost": 0.9})


def test_parameter_recovery_at_the_shipped_fit(record):
    """The same recovery check at the shipped fit's parameters (revision rate 0.4,
    accession cost 0.57), where the record places them and the counts respond to the cost:
    the cost's 90% interval is 0.46-0.83 (0.37 wide, limit 0.52) with the same synthetic
    seed (12345) and ABC settings as above. Over synthetic seeds 12346 and 12347 it is 0.54
    and 0.47 wide (the first above the limit; 0.30 and 0.52 with 12000 draws), so this
    guards the calibration path on one data set; it is not a claim that every data set at
    these parameters passes. ABC-SMC (C.abc_smc, 300 x 6 generations, 70951 simulations,
    final epsilon 0.58) on the seed-12345 data: revision rate 0.15-0.72, cost 0.45-0.69
    (0.24 wide): it recovers both here, more sharply than this rejection ABC."""
    true = {"revision_rate": 0.4, "accession_cost": 0.57}
    _assert_recovered(_recovery(record, true), true)


def test_shipped_calibration_matches_the_shipped_record():
    cal = load_calibration()
    assert cal is not None, "run python -m sim.world.calibrate"
    assert cal["record_sha256"] == C.sha256(RECORD_FILE), "record changed: rerun python -m sim.world.calibrate"
    assert cal["through"] == 2022
    for name in C.PRIORS:
        p = cal["parameters"][name]
        assert C.PRIORS[name][0] <= p["q05"] <= p["mean"] <= p["q95"] <= C.PRIORS[name][1]


def test_default_config_reads_the_fit():
    from sim.mesa.keywords import base_config
    cal = load_calibration()
    progs = base_config()["programmes"]
    assert progs["revision_rate"] == pytest.approx(cal["parameters"]["revision_rate"]["mean"])
    assert progs["accession_cost"] == pytest.approx(cal["parameters"]["accession_cost"]["mean"])


def test_yearly_accessions_stay_of_the_records_order():
    """Default world, 30 seeds, 2021-2030: never dozens of accessions in a year."""
    from sim.mesa.keywords import base_config
    from sim.mesa.columns import MODEL_COLUMNS
    from sim.mesa.model import SpaceRaceModel
    m = SpaceRaceModel(base_config(overrides=["world.horizon=2030"]), seeds=range(30),
                       record_actors=False)
    start = m.members.sum(axis=2).T                    # (programme, world)
    m.run()
    # record: Artemis 5, 9 (and 10 in 2023) a year, ILRS 1, 0; Tiangong none
    for p, k, typical, most in (("artemis", 0, 12, 20), ("ilrs", 1, 5, 10), ("tiangong", 3, 2, 2)):
        counts = m.world_rows[:, :, MODEL_COLUMNS.index(f"members_{p}")]
        joins = np.diff(np.column_stack([start[k], counts]), axis=1)
        assert np.percentile(joins, 95) <= typical and joins.max() <= most, (p, joins.max())
        assert joins.min() >= -2, p          # leaving is rare


def test_model_2021_2022_counts_within_the_predictive_band():
    cal = load_calibration()
    pred = cal["predictive"]
    for p, obs in (("artemis", {2021: 14, 2022: 23}), ("ilrs", {2021: 2, 2022: 2})):
        for y, v in obs.items():
            k = pred["years"].index(y)
            assert pred[p][0][k] <= v <= pred[p][-1][k], (p, y, v)


def test_current_model_holds_the_record_in_its_band():
    """The shipped fit is the current model's: 200 posterior draws run on today's code
    (not the band stored in the file) hold the record's 2021 and 2022 counts within their
    5-95% range (a fit made on an older model fails this: the pre-merge fit gave the
    merged model 11 and 13 signatories for 14 and 23)."""
    from sim.mesa.columns import MODEL_COLUMNS
    cal = load_calibration()
    post = cal["posterior"]
    samples, w = np.array(post["samples"]), np.array(post["weights"])
    pick = np.random.default_rng(11).choice(len(samples), size=200, p=w / w.sum())
    m = C.simulate(C.base(), samples[pick, 0], samples[pick, 1], range(200))
    for p, obs in (("artemis", (14, 23)), ("ilrs", (2, 2))):
        x = m.world_rows[:, :, MODEL_COLUMNS.index(f"members_{p}")]
        lo, hi = np.quantile(x, [0.05, 0.95], axis=0)
        for t, v in enumerate(obs):
            assert lo[t] <= v <= hi[t], (p, 2021 + t, v, lo[t], hi[t])


def test_hindcast_figure_is_drawn(tmp_path):
    from sim.experiments.report_world import world_figures
    assert world_figures(tmp_path) and (tmp_path / "hindcast.png").stat().st_size > 10_000


def test_bad_record_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "rec.csv"
    bad.write_text("programme,state,iso3,joined,note,source,status\nartemis_accords,X,XXX,2021-01,,s,sourced\n")
    assert C.main(["--record", str(bad), "--out", str(tmp_path / "c.json")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "iso3" in err
    assert not (tmp_path / "c.json").exists()


def test_calibrate_end_to_end_writes_fit_and_plot(tmp_path, capsys):
    out = tmp_path / "cal.json"
    assert C.main(["--method", "rejection", "--check", "300", "--out", str(out)]) == 0
    cal = json.loads(out.read_text())
    assert cal["through"] == 2022 and cal["record_sha256"] == C.sha256(RECORD_FILE)
    assert set(cal["parameters"]) == set(C.PRIORS) and len(cal["posterior"]["samples"]) >= 2
    assert out.with_suffix(".png").stat().st_size > 10_000
    assert "Artemis 2023" in capsys.readouterr().out
