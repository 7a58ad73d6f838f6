"""The data world: 193 named states + ESA, documented attributes kept, start = the record."""

import numpy as np
import pytest

from sim.mesa.keywords import base_config
from sim.mesa.model import SpaceRaceModel
from sim.world.states import load_record, load_states, members_at
from sim.world.world_states import fit_capability_map


@pytest.fixture(scope="module")
def cfg():
    return base_config()


@pytest.fixture(scope="module")
def model(cfg):
    return SpaceRaceModel(cfg, rng=3)


def test_world_is_the_un_members_plus_esa(model, cfg):
    states = load_states()
    assert model.world_n == 194
    assert len(set(model.names)) == 194
    iso = set(model.actors.iso3) - {""}
    assert iso == set(states["iso3"])
    assert [n for n, c in zip(model.names, model.actors.iso3) if c == ""] == ["ESA"]
    assert "Germany" in model.index and "Nigeria" in model.index


def test_named_actors_keep_documented_attributes(model, cfg):
    for name, a in cfg["actors"].items():
        k = model.index[name]
        for attr in ("capability", "budget", "alignment", "transparency"):
            assert getattr(model.actors, attr)[0, k] == pytest.approx(float(a[attr])), (name, attr)


def test_unnamed_states_from_data(model, cfg):
    states = load_states().set_index("name")
    k = model.index["Germany"]
    assert model.actors.alignment[0, k] == states.loc["Germany", "alignment"]
    fit = fit_capability_map(load_states(), cfg["actors"])
    # docs/DATA.md: log capability = -7.15 + 0.146 log1p(sat) + 0.516 log(gdp) + 0.83 launch
    assert fit["capability"]["coef"] == pytest.approx([-7.15, 0.146, 0.516, 0.83], abs=0.01)
    assert 0.05 < model.actors.capability[0, k] < 0.2      # Germany ~0.10
    cap = model.actors.capability[0, model.actors.kind == 3]
    assert 0.002 < np.median(cap) < 0.02


def test_world_is_the_same_in_every_seed(cfg):
    a, b = SpaceRaceModel(cfg, rng=1), SpaceRaceModel(cfg, rng=2)
    assert np.array_equal(a.actors.capability, b.actors.capability)
    assert np.array_equal(a.relations.i, b.relations.i)


def test_start_state_is_the_record(model):
    record = load_record(through=2022)
    names = np.array(model.names)
    iso = model.actors.iso3
    for prog, rec in (("artemis", "artemis_accords"), ("iss", "iss")):
        p = ["artemis", "ilrs", "iss", "tiangong"].index(prog)
        assert set(iso[model.members[0, p]]) - {""} == set(members_at(record, rec, 2020))
    assert list(names[model.members[0, 1]]) == ["China"]          # ILRS: its leader only
    assert list(names[model.members[0, 3]]) == ["China"]          # Tiangong = China
    assert "ESA" in names[model.members[0, 2]]                    # ESA: an ISS partner agency
    assert model.members[0, :, model.index["ESA"]].sum() == 1     # and signs no accord


def test_synthetic_world_still_available():
    cfg = base_config(overrides=["world.rest_of_world.source=synthetic"])
    m = SpaceRaceModel(cfg, rng=1)
    assert m.world_n == 17 + 173 and "state_001" in m.index


def test_synthetic_worlds_with_drawn_ties_run_one_model_per_seed():
    """The synthetic world draws each seed's regional ties, so its worlds do not share
    relations and cannot run side by side on one world axis: the model says so, and a
    sweep's runner gives each seed its own model, with that seed's single-run results."""
    from sim.experiments.run import simulate, simulate_worlds, summary
    cfg = base_config(overrides=["world.rest_of_world.source=synthetic", "world.horizon=2026"])
    with pytest.raises(ValueError, match="share their relations"):
        SpaceRaceModel(cfg, seeds=[1, 2], record_actors=False)
    worlds = simulate_worlds(cfg, [1, 2])
    assert [b for _, b in worlds] == [0, 0] and worlds[0][0] is not worlds[1][0]
    for (model, b), seed in zip(worlds, [1, 2]):
        assert summary(model, world=b) == summary(simulate(cfg, seed))
    data = base_config(overrides=["world.horizon=2026"])       # the data world: one model
    worlds = simulate_worlds(data, [1, 2])
    assert [b for _, b in worlds] == [0, 1] and worlds[0][0] is worlds[1][0]


def test_bad_source_is_one_line_error():
    from sim.errors import ConfigError
    from sim.config.validation import validate
    cfg = base_config(overrides=["world.rest_of_world.source=mars"])
    with pytest.raises(ConfigError, match="world.rest_of_world.source"):
        validate(cfg)


def test_per_state_join_years(cfg):
    from sim.experiments.run import simulate, summary
    from sim.world.world_states import joins_table
    m = simulate(base_config(overrides=["world.horizon=2030"]), 4)
    t = joins_table(m)
    names = np.array(m.names)
    for k, p in enumerate(["artemis", "ilrs", "iss", "tiangong"]):
        assert set(t.loc[t.programme == p, "actor"]) == set(names[m.members[0, k]])
    assert t["joined"].between(2020, 2030).all()
    assert set(t.loc[t.from_start & (t.programme == "artemis"), "iso3"]) == set(
        members_at(load_record(), "artemis_accords", 2020))
    row = summary(m)
    assert row["joined_artemis:US"] == 2020 and row["joined_artemis:China"] == 0
    assert "joined_ilrs:Germany" in row


def test_state_membership_table():
    import pandas as pd
    from sim.experiments.report_world import state_membership
    runs = pd.DataFrame({"scenario": ["a"] * 4, "joined_artemis:X": [2020, 2025, 2040, 0],
                         "joined_ilrs:X": [0, 2024, 0, 0]})
    t = state_membership(runs).iloc[0]
    assert (t.artemis_2030, t.artemis_end, t.ilrs_2030, t.both_2030, t.both_end) == (0.5, 0.75, 0.25, 0.25, 0.25)


def test_capability_standings_stay_plausible():
    """No overtaking without a cause: China stays ahead of Russia and the US ahead of
    China through 2050; total capability at most triples (it grew fourfold, and 600,000-
    fold at coop_gain 4, before the partners' science saturated; with the merged payoffs
    Russia's racing spur lifted it level with China until capability became a stock the
    budget builds)."""
    for over in ([], ["payoffs.coop_gain=4.0"]):
        m = SpaceRaceModel(base_config(overrides=over), seeds=range(10), record_actors=False)
        c0 = m.actors.capability.sum(axis=1)            # (world, actor)
        m.run()
        c = m.actors.capability
        us, china, russia = (m.index[k] for k in ("US", "China", "Russia"))
        assert (c[:, us] > c[:, china]).all() and (c[:, china] > c[:, russia]).all(), over
        assert (c.sum(axis=1) / c0 < (3.0 if not over else 6.0)).all(), over


def test_esa_signs_no_accord(cfg):
    m = SpaceRaceModel(cfg, seeds=range(5), record_actors=False)
    m.run()
    esa = m.named("ESA")
    assert not m.members[:, 0, esa].any() and not m.members[:, 1, esa].any()


def test_capability_follows_budget_without_a_cause():
    """Without cooperation and at the start's racing share, every actor's capability grows
    with its budget (the balanced path): standings do not move; racing spends budget, so
    even racing at the cap lifts capability by a bounded factor, not without limit."""
    from sim.engine.growth import _grow_kernel, budget_productivity
    dyn = base_config()["dynamics"]
    c = np.array([1.0, 0.6, 0.45, 0.01])
    b = np.array([23.3, 10.0, 2.8, 0.05])
    p = budget_productivity(c, b, dyn)
    growth = np.array([dyn["capability_depreciation"], dyn["science_learning"], dyn["race_spur"],
                       dyn["budget_growth"], 0.1, 0.0, dyn["science_sharing"], 0.0, 0.0])
    none = np.zeros(0, dtype=np.int64)
    args = (none, none, np.zeros(0, dtype=np.bool_))

    def run(share, years=200):
        cap, bud = c.copy(), b.copy()
        for _ in range(years):
            _, cap, bud, *_ = _grow_kernel(*args, cap, bud, share * bud, np.zeros(4), np.zeros(4),
                                           np.zeros(4), np.zeros(4), growth,
                                           np.zeros(4, dtype=np.bool_), p)
        return cap, bud
    cap, bud = run(dyn["initial_racing_share"], years=30)
    np.testing.assert_allclose(cap / c, bud / b, rtol=1e-9)
    s0, cap_share = dyn["initial_racing_share"], dyn["racing_cap"]
    raced, bud = run(cap_share)
    calm, _ = run(s0)
    bound = (1 + dyn["race_spur"] * cap_share) / (1 + dyn["race_spur"] * s0)
    assert np.all(raced / calm < bound) and np.all(raced / calm > 1.0)


def test_tiangong_is_china_through_2022():
    """The record: no foreign Tiangong member through 2022 (a seat takes an agreement
    negotiated over ``seat_talks`` years once the station is open, 2022)."""
    m = SpaceRaceModel(base_config(overrides=["world.horizon=2022"]), seeds=range(20),
                       record_actors=False)
    m.run()
    tiangong = m.members[:, 3]                         # (world, actor)
    assert (tiangong.sum(axis=1) == 1).all() and tiangong[:, m.index["China"]].all()


def test_fitted_states_stay_within_the_declared_range():
    """Found by the property tests: with China's capability at the smallest float the
    log-linear map extrapolated Palau to 1e155 and the year's science overflowed. A
    fitted state now stays within a named actor's declared range, and the run is finite."""
    from sim.world.world_states import FITTED_MAX
    cfg = base_config(overrides=["actors.China.capability=5e-324", "world.horizon=2023"])
    m = SpaceRaceModel(cfg, rng=3212, record_actors=False)
    fitted = m.actors.kind == 3
    assert (m.actors.capability[0, fitted] <= FITTED_MAX["capability"]).all()
    assert (m.actors.budget[0, fitted] <= FITTED_MAX["budget"]).all()
    m.run()
    assert np.isfinite(m.model_rows).all()
