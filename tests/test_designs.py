"""Declared uncertainties and levers, and the SALib designs built over them."""

import re

import numpy as np
import pytest
from SALib.sample import latin as salib_latin
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol

from sim.experiments import designs as D, levers as L, uncertainties as U


def unc(key, kind="uniform", **kw):
    spec = {"kind": kind, "status": "assumption", "reason": "test", **kw}
    return U.Uncertainty.from_dict(key, spec)


MIXED = (unc("a.u", low=-1.0, high=3.0), unc("a.log", "loguniform", low=0.01, high=10.0),
         unc("a.int", "integer", low=1, high=4), unc("a.cat", "categorical", values=[None, 2025, 2030]))


# --- the declared files --------------------------------------------------------------------

def test_declared_files_load_with_a_reason_for_every_range():
    default = U.load_uncertainties()
    extended = U.load_uncertainties("extended")
    levers = L.load_levers()
    assert len(default) == 10       # the budget: Sobol N=1024 x 12 x 10 seeds ~ 120k runs
    assert [u.key for u in extended[:10]] == [u.key for u in default]
    assert len(extended) > len(default)
    for u in extended:
        assert u.status in U.STATUSES and len(u.reason) > 15
        # a range is justified by a source or a convention, never by a result
        assert not re.search(r"\breads?\b|calibrated so", u.reason), u.key
        if u.status != "assumption":
            assert re.match(r"00[0-4]", u.source), u.key
    for lever in levers:
        assert re.search(r"00[0-4]", lever.source), lever.key
        assert len(lever.options) >= 2


def test_declared_keys_exist_and_defaults_lie_in_range():
    """Keys exist in the composed default config, defaults lie inside the declared ranges,
    and each lever's first option is the status quo (catches renamed or moved keys)."""
    from sim.config.schema import compose
    from sim.config.plain import to_plain

    from sim.experiments.plan import apply_point
    from sim.config.validation import validate

    plain = to_plain(compose([]))
    D.check_against_config(plain, U.load_uncertainties("extended"), L.load_levers())
    # every corner a design can reach is a valid config (ranges inside the validation's)
    scalar = [lv for lv in L.load_levers() if not isinstance(lv.status_quo, list)]
    design = D.morris(L.with_levers(U.load_uncertainties("extended"), scalar), 4, seed=0)
    for point in D.points(design):
        validate(apply_point(plain, point))
    for lever in L.load_levers():
        for option in lever.options:
            validate(apply_point(plain, {lever.key: option.value}))
    with pytest.raises(U.DesignError, match="payoffs.security_cost=9.0: the default lies outside"):
        bad = {**plain, "payoffs": {**plain["payoffs"], "security_cost": 9.0}}
        D.check_against_config(bad, U.load_uncertainties())


def test_lever_overrides_and_scenario_narrowing():
    levers = {lv.key: lv for lv in L.load_levers()}
    wolf = levers["mechanisms.wolf_amendment.repeal_year"]
    assert wolf.status_quo is None
    assert wolf.override("repealed 2025") == "mechanisms.wolf_amendment.repeal_year=2025"
    assert wolf.override(None).endswith("=null")
    assert "'New Zealand'" in levers["programmes.artemis.initial_members"].override("India signs")
    with pytest.raises(U.DesignError, match="allowed: None"):
        wolf.override(1999)
    default = U.load_uncertainties()
    # a scenario fixes the keys it sets; the rest stay uncertain
    cold = {u.key for u in U.for_scenario(default, "cold_war_race")}
    assert "world.threat_perception" not in cold and "payoffs.prestige_gain" not in cold
    assert len(U.for_scenario(default, "status_quo")) == len(default)
    narrowed = U.narrow(default, {"world.threat_perception": {"low": 1.0}, "strategies.noise": 0.01})
    assert narrowed[0].low == 1.0 and narrowed[0].high == 2.0
    assert "strategies.noise" not in {u.key for u in narrowed}
    with pytest.raises(U.DesignError, match=r"world.threat_perception.low=0.1: outside the declared"):
        U.narrow(default, {"world.threat_perception": {"low": 0.1}})


@pytest.mark.parametrize("spec, message", [
    ({"kind": "normal", "low": 0, "high": 1}, r"x.y.kind='normal': allowed: uniform"),
    ({"kind": "uniform", "low": 1, "high": 1}, r"x.y.high=1: must be greater than low"),
    ({"kind": "loguniform", "low": 0, "high": 1}, r"x.y.low=0: must be > 0"),
    ({"kind": "integer", "low": 0.5, "high": 3}, r"x.y.low=0.5: a whole number"),
    ({"kind": "categorical", "values": [1]}, r"x.y.values=\[1\]: a list of at least two"),
    ({"kind": "uniform", "low": 0, "high": 1, "reason": ""}, r"x.y.reason='': a sentence"),
    ({"kind": "uniform", "low": 0, "high": 1, "range": 2}, r"x.y.range=2: unknown field"),
])
def test_bad_uncertainty_is_one_line_naming_key_value_and_allowed(spec, message):
    with pytest.raises(U.DesignError, match=message) as err:
        U.Uncertainty.from_dict("x.y", {"status": "assumption", "reason": "r", **spec})
    assert "\n" not in str(err.value)


def test_bad_file_and_name():
    with pytest.raises(U.DesignError, match="uncertainties='nosuch': allowed: default, extended"):
        U.load_uncertainties("nosuch")


# --- designs ---------------------------------------------------------------------------------

def test_designs_are_salib_designs_row_for_row():
    """Same problem, N and seed: the design's samples are SALib's, in SALib's row order."""
    d = D.sobol(MIXED, 64, seed=7)
    direct = salib_sobol.sample(d.problem, 64, calc_second_order=False, scramble=True, seed=7)
    np.testing.assert_array_equal(d.samples, direct)
    assert d.n_points == 64 * (4 + 2)
    d2 = D.sobol(MIXED, 64, seed=7, calc_second_order=True)
    np.testing.assert_array_equal(
        d2.samples, salib_sobol.sample(d2.problem, 64, calc_second_order=True, seed=7))
    m = D.morris(MIXED, 10, seed=3, num_levels=4)
    np.testing.assert_array_equal(m.samples, salib_morris.sample(m.problem, 10, num_levels=4, seed=3))
    assert m.n_points == 10 * 5
    lat = D.latin(MIXED, 30, seed=5)
    np.testing.assert_array_equal(lat.samples, salib_latin.sample(lat.problem, 30, seed=5))
    assert d.problem["names"] == ["a.u", "a.log", "a.int", "a.cat"]
    assert d.problem["bounds"][1] == [-2.0, 1.0]           # log10 of 0.01 .. 10


def test_values_map_sample_space_to_parameters():
    lat = D.latin(MIXED, 300, seed=1)
    v = lat.values()
    assert list(v["design_point"]) == list(range(300))
    assert v["a.u"].between(-1, 3).all()
    assert v["a.log"].between(0.01, 10).all() and np.isclose(np.log10(v["a.log"]).mean(), -0.5, atol=0.1)
    # Latin strata make every level exactly equally frequent
    assert v["a.int"].value_counts().to_dict() == {1: 75, 2: 75, 3: 75, 4: 75}
    assert v["a.cat"].map(repr).value_counts().to_dict() == {"None": 100, "2025": 100, "2030": 100}
    pts = D.points(lat)
    assert pts[0].keys() == {"a.u", "a.log", "a.int", "a.cat"}
    assert isinstance(pts[0]["a.int"], int) and isinstance(pts[0]["a.u"], float)
    assert [p["a.u"] for p in pts] == list(v["a.u"])


def test_design_is_deterministic_and_round_trips_exactly(tmp_path):
    for kind, n in (("sobol", 16), ("morris", 6), ("latin", 25)):
        a, b = D.build(kind, MIXED, n, 11), D.build(kind, MIXED, n, 11)
        assert a == b and a.fingerprint() == b.fingerprint()
        assert D.build(kind, MIXED, n, 12).fingerprint() != a.fingerprint()
        back = D.from_json(D.to_json(a))
        assert back == a and D.points(back) == D.points(a)
        D.save(a, tmp_path / f"{kind}.parquet")
        D.save(a, tmp_path / f"{kind}.json")
        assert D.load(tmp_path / f"{kind}.parquet") == a
        assert D.load(tmp_path / f"{kind}.json") == a


def test_bad_design_requests_and_files(tmp_path):
    with pytest.raises(U.DesignError, match="N=100: a power of two"):
        D.sobol(MIXED, 100, 1)
    with pytest.raises(U.DesignError, match="kind='grid': allowed: latin, sobol, morris"):
        D.build("grid", MIXED, 8, 1)
    with pytest.raises(U.DesignError, match="num_levels=3: an even number"):
        D.morris(MIXED, 8, 1, num_levels=3)
    text = D.to_json(D.latin(MIXED, 5, 1)).replace('"a.u": -', '"a.u": 9')
    path = tmp_path / "edited.json"
    path.write_text(text)
    with pytest.raises(U.DesignError, match="points"):
        D.load(path)
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(U.DesignError, match="not valid JSON"):
        D.load(tmp_path / "junk.json")


def test_levers_join_a_design_as_categorical_parameters():
    levers = [lv for lv in L.load_levers() if not isinstance(lv.status_quo, list)]
    params = L.with_levers(U.load_uncertainties()[:2], levers[:2])
    d = D.latin(params, 12, 0)
    wolf = d.values()["mechanisms.wolf_amendment.repeal_year"]
    assert set(wolf.map(repr)) <= {"None", "2025", "2030"}
    listed = next(lv for lv in L.load_levers() if isinstance(lv.status_quo, list))
    with pytest.raises(U.DesignError, match="scalar options"):
        listed.as_uncertainty()


def test_design_from_a_sweep_spec_is_deterministic_and_narrowed_to_the_scenario():
    spec = {"kind": "sobol", "N": 8, "seed": 3, "uncertainties": "default"}
    a, b = D.from_spec(spec), D.from_spec(dict(spec))
    assert a == b and a.n_points == 8 * 12
    cold = D.from_spec(spec, scenario="cold_war_race")
    assert "world.threat_perception" not in cold.keys and cold.n_points == 8 * 10
    m = D.from_spec({"kind": "morris", "N": 4, "seed": 1, "num_levels": 4,
                     "levers": ["mechanisms.wolf_amendment.repeal_year"]})
    assert m.keys[-1] == "mechanisms.wolf_amendment.repeal_year" and m.n_points == 4 * 12
    with pytest.raises(U.DesignError, match="design.calc_second_order=True: not an option of a latin"):
        D.from_spec({"kind": "latin", "N": 8, "seed": 1, "calc_second_order": True})
    with pytest.raises(U.DesignError, match="design.size=3: unknown key"):
        D.from_spec({**spec, "size": 3})
    with pytest.raises(U.DesignError, match="design.N=None: required"):
        D.from_spec({"kind": "sobol", "seed": 1})
