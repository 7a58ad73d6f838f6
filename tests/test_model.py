"""The whole model (:class:`sim.mesa.model.SpaceRaceModel`): determinism, the documented start,
consistency of memberships, finite tables and the Mesa agent interface."""

from __future__ import annotations

import copy

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.world.actors import DRAWN, SCALAR
from sim.mesa.agents import SpacePower
from sim.config.schema import compose
from sim.names import PROGRAMMES
from sim.mesa.columns import ACTOR_COLUMNS, MODEL_COLUMNS
from sim.mesa.model import SpaceRaceModel
from sim.config.plain import to_plain
from sim.mesa.collect import actor_table, model_table
from sim.experiments.run import network_table, simulate

ARTEMIS, ILRS, ISS, TIANGONG = (PROGRAMMES.index(p) for p in PROGRAMMES)

# 003: "a dozen countries have embraced the Artemis Accords: Australia, Brazil, Canada,
# Italy, Japan, Luxembourg, New Zealand, South Korea, Ukraine, the United Arab Emirates,
# the U.K. and the U.S."
ARTEMIS_SIGNATORIES = {"Australia", "Brazil", "Canada", "Italy", "Japan", "Luxembourg",
                       "New Zealand", "South Korea", "Ukraine", "UAE", "UK", "US"}
# 002: the March 2021 CNSA-Roscosmos agreement
ILRS_FOUNDERS = {"China", "Russia"}


@pytest.fixture(scope="module")
def default_cfg():
    return to_plain(compose([]))


@pytest.fixture(scope="module")
def synthetic_cfg():
    return to_plain(compose(["world.rest_of_world.source=synthetic"]))


@pytest.fixture(scope="module")
def cfg(default_cfg):
    def get() -> dict:
        return copy.deepcopy(default_cfg)
    return get


@pytest.fixture(scope="module")
def run7(cfg):
    return simulate(cfg(), 7, record_actors=True)


def years(model):
    while model.running:
        year = model.year
        model.step()
        yield year


# --- determinism --------------------------------------------------------------------------

def test_same_seed_same_tables(cfg, run7):
    again = simulate(cfg(), 7, record_actors=True)
    pd.testing.assert_frame_equal(model_table(run7), model_table(again))
    pd.testing.assert_frame_equal(actor_table(run7), actor_table(again))
    out_a, out_b = run7.outcome(), again.outcome()
    pd.testing.assert_frame_equal(network_table(run7), network_table(again))
    assert run7.event_log == again.event_log
    assert out_a["outcome"] == out_b["outcome"]
    np.testing.assert_array_equal(out_a["labels"], out_b["labels"])


def test_same_seed_identical_bytes(cfg, run7, tmp_path):
    again = simulate(cfg(), 7, record_actors=True)
    for table in (model_table, actor_table):
        a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
        table(run7).to_parquet(a)
        table(again).to_parquet(b)
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("overrides", [
    [], ["scenario=cold_war_race"], ["scenario=russia_junior_partner"],
    ["scenario=open_station_diplomacy", "programmes.allow_hedging=false"],
    ["actors.US.strategy=tit_for_tat", "actors.Japan.strategy=roth_erev",
     "strategies.default=generous_tit_for_tat"],
    ["strategies.default=bush_mosteller", "strategies.noise=0"],
], ids=["default", "cold_war_race", "junior_partner", "no_hedging", "mixed_rules",
        "bush_mosteller_no_noise"])
def test_worlds_side_by_side_equal_single_runs(overrides):
    """A model that runs one world per seed gives each world exactly the tables, outcome
    and events of a model run alone on that seed (the sweep relies on it)."""
    plain = to_plain(compose(overrides))
    seeds = [3, 11, 12, 40]
    many = SpaceRaceModel(copy.deepcopy(plain), seeds=seeds, record_actors=False)
    many.run()
    assert many.world_rows.shape[0] == len(seeds)
    for b, seed in enumerate(seeds):
        one = simulate(copy.deepcopy(plain), seed)
        np.testing.assert_array_equal(many.world_rows[b], one.model_rows)
        assert many.event_logs[b] == one.event_log
        got, want = many.outcome(b), one.outcome()
        assert got.keys() == want.keys()
        for key, value in want.items():
            np.testing.assert_array_equal(got[key], value, err_msg=f"seed {seed}: {key}")
    assert not np.array_equal(many.world_rows[0], many.world_rows[1])


def test_worlds_need_seeds_not_rng(default_cfg):
    with pytest.raises(ValueError, match="either rng or"):
        SpaceRaceModel(default_cfg, rng=1, seeds=[1, 2])
    with pytest.raises(ValueError, match="single world"):
        SpaceRaceModel(default_cfg, seeds=[1, 2], record_actors=True)


def test_different_seeds_different_tables(cfg, run7):
    other = simulate(cfg(), 8, record_actors=True)
    assert not model_table(run7).equals(model_table(other))
    assert not actor_table(run7).equals(actor_table(other))


def test_seed_given_as_generator_is_deterministic(cfg):
    a = SpaceRaceModel(cfg(), rng=np.random.default_rng(3), record_actors=False)
    b = SpaceRaceModel(cfg(), rng=np.random.default_rng(3), record_actors=False)
    a.run()
    b.run()
    pd.testing.assert_frame_equal(model_table(a), model_table(b))


# --- the documented world -----------------------------------------------------------------

def test_world_size_and_years(run7):
    n = run7.actors.n
    assert 180 <= n <= 200
    table = model_table(run7)
    assert list(table["year"]) == list(range(2021, 2051))
    assert list(table.columns) == ["year", *MODEL_COLUMNS]
    actors = actor_table(run7)
    assert len(actors) == 30 * n
    assert (actors.groupby("year").size() == n).all()
    assert set(ACTOR_COLUMNS) <= set(actors.columns)


def test_named_actors_come_first(default_cfg):
    model = SpaceRaceModel(default_cfg, rng=1, record_actors=False)
    named = list(default_cfg["actors"])
    assert model.names[: len(named)] == named
    rest = model.names[len(named):]
    assert len(rest) == 193 + 1 - len(named) and not any(n.startswith("state_") for n in rest)
    assert len(model.names) == len(set(model.names))


def test_initial_programme_members(synthetic_cfg):
    default_cfg = synthetic_cfg
    model = SpaceRaceModel(default_cfg, rng=1, record_actors=False)
    names = np.array(model.names)
    assert set(names[model.members[0, ARTEMIS]]) == ARTEMIS_SIGNATORIES
    assert set(names[model.members[0, ILRS]]) == ILRS_FOUNDERS
    assert set(names[model.members[0, TIANGONG]]) == {"China"}


def test_initial_moves_follow_shared_programmes(synthetic_cfg):
    default_cfg = synthetic_cfg
    # co-members of a programme start out cooperating (Artemis signatories with the US)
    model = SpaceRaceModel(default_cfg, rng=1, record_actors=False)
    rel = model.relations
    for name in ARTEMIS_SIGNATORIES - {"US"}:
        k = rel.directed(model.index[name], model.index["US"])
        assert k is not None and model.last_actions[0, k], name


def test_initial_cooperation_with_china_includes_agreement_partners(synthetic_cfg):
    default_cfg = synthetic_cfg
    # 19 agreement partners (000) start out cooperating with China, drawn among
    # non-major actors outside the Artemis Accords
    model = SpaceRaceModel(default_cfg, rng=5, record_actors=False)
    rel = model.relations
    from_china = np.flatnonzero((rel.src == model.index["China"]) & model.last_actions[0])
    partners = set(rel.dst[from_china])
    k = default_cfg["world"]["rest_of_world"]["china_agreement_partners"]
    drawn = {p for p in partners if model.actors.kind[p] > 0}
    assert len(drawn) == k
    assert not any(model.members[0, ARTEMIS, p] for p in drawn)


# --- consistency over a run ---------------------------------------------------------------------

def test_memberships_stay_consistent(cfg):
    model = SpaceRaceModel(cfg(), rng=11, record_actors=False)
    leaders = model.membership_rule.leader
    for year in years(model):
        for p in range(len(PROGRAMMES)):
            if model.programme_open[p]:
                assert model.members[0, p, leaders[p]], (year, PROGRAMMES[p])
            else:
                assert not model.members[:, p].any(), (year, PROGRAMMES[p])
        assert not (model.members & ~model.eligible).any(), year
        if not model.membership_rule.allow_hedging:
            assert not (model.members[:, ARTEMIS] & model.members[:, ILRS]).any()


def test_tables_agree_with_each_other(run7):
    table = model_table(run7).set_index("year")
    actors = actor_table(run7)
    per_year = actors.groupby("year")
    for p in PROGRAMMES:
        np.testing.assert_array_equal(table[f"members_{p}"], per_year[f"in_{p}"].sum())
    both = actors["in_artemis"] & actors["in_ilrs"]
    np.testing.assert_array_equal(table["programme_hedgers"], both.groupby(actors["year"]).sum())
    camp_counts = actors.groupby(["year", "role"]).size().unstack(fill_value=0)
    for camp in camp_counts.columns:
        np.testing.assert_array_equal(table[f"role_{camp}"], camp_counts[camp])
    np.testing.assert_allclose(table["total_capability"], per_year["capability"].sum())
    np.testing.assert_allclose(table["racing_spending"], per_year["racing"].sum())
    # the game-type shares are shares
    games = table[[c for c in table.columns if c.startswith("games_")]]
    np.testing.assert_allclose(games.sum(axis=1), 1.0)


def test_leaders_always_in_their_open_programmes(run7, default_cfg):
    actors = actor_table(run7)
    retire = default_cfg["mechanisms"]["iss_retirement"]["year"]
    us = actors[actors.actor == "US"].set_index("year")
    china = actors[actors.actor == "China"].set_index("year")
    assert us["in_artemis"].all()
    assert china["in_ilrs"].all() and china["in_tiangong"].all()
    if retire is not None:
        assert us.loc[us.index < retire, "in_iss"].all()
        assert not actors.loc[actors.year >= retire, "in_iss"].any()


def test_no_nan_or_inf_in_tables(run7):
    for table in (model_table(run7), actor_table(run7)):
        numeric = table.select_dtypes(include=[np.number, bool])
        assert np.isfinite(numeric.to_numpy(dtype=float)).all()
        assert not table.isna().any().any()


def test_shares_and_ranges(run7):
    table = model_table(run7)
    for col in ("cooperation_density", "cross_divide_cooperation", "us_china_cooperation"):
        assert table[col].between(0, 1).all(), col
    actors = actor_table(run7)
    assert actors["alignment"].between(-1, 1).all()
    assert (actors["capability"] >= 0).all() and (actors["racing"] >= 0).all()
    assert actors["cooperation_given"].between(0, 1).all()


def test_run_stops_at_the_horizon(cfg):
    model = SpaceRaceModel(cfg(), rng=2, record_actors=False)
    n_years = sum(1 for _ in years(model))
    assert n_years == 30
    assert not model.running and model.year == 2051


# --- Mesa idioms ------------------------------------------------------------------------------

def test_one_agent_per_actor(run7):
    model = run7
    assert isinstance(model, mesa.Model)
    agents = list(model.agents)
    assert len(agents) == model.actors.n
    assert all(isinstance(a, SpacePower) for a in agents)
    assert sorted(a.index for a in agents) == list(range(model.actors.n))
    assert all(a.name == model.names[a.index] for a in agents)
    assert len(model.agents_by_type[SpacePower]) == model.actors.n


def test_agent_attributes_read_the_arrays(run7):
    model = run7
    for agent in model.agents:
        for attr in DRAWN + SCALAR + ("racing", "prestige", "science"):
            assert getattr(agent, attr) == getattr(model.actors, attr)[0, agent.index], attr
        assert agent.strategy == model.strategy_of[agent.index]
        assert agent.memberships == {p for k, p in enumerate(PROGRAMMES)
                                     if model.members[0, k, agent.index]}
    by_name = {a.name: a for a in model.agents}
    assert by_name["US"].kind == "major" and by_name["Japan"].kind == "named"
    assert by_name["Germany"].kind == "state"


def test_agent_attribute_writes_go_to_the_arrays(cfg):
    model = SpaceRaceModel(cfg(), rng=4, record_actors=False)
    agent = next(a for a in model.agents if a.name == "Japan")
    agent.capability = 0.123
    assert model.actors.capability[0, agent.index] == 0.123
    model.step()
    assert agent.capability == model.actors.capability[0, agent.index] != 0.123


def test_cooperates_with_reads_last_moves(run7):
    model = run7
    by_name = {a.name: a for a in model.agents}
    us, china = by_name["US"], by_name["China"]
    k = model.relations.directed(us.index, china.index)
    assert us.cooperates_with(china) == bool(model.last_actions[0, k])
    # two generated states that do not relate
    gen = [a for a in model.agents if a.kind in ("generated", "state")]
    unrelated = next((a, b) for a in gen for b in gen
                     if a is not b and model.relations.directed(a.index, b.index) is None)
    assert unrelated[0].cooperates_with(unrelated[1]) is None


# --- membership decisions -----------------------------------------------------------------------

def test_relation_with_the_leader_is_the_mean_of_both_moves():
    # Regression guard: numpy bool + bool is a logical OR, so averaging two moves with
    # (a + b) / 2 on bool arrays gives 0.5 for mutual cooperation instead of 1.0 (the
    # leader term of the membership wish could then never be positive).
    from sim.world.programmes import _leader_relation

    plain = to_plain(compose(["actors.US.strategy=always_cooperate",
                              "actors.Japan.strategy=always_cooperate",
                              "actors.India.strategy=always_compete",
                              "strategies.noise=0"]))
    model = SpaceRaceModel(plain, rng=1, record_actors=False)
    model.step()
    relation = _leader_relation(model.last_actions[0], model._to_leader, model.relations.rev,
                                model.membership_rule.leader)
    japan, india = model.index["Japan"], model.index["India"]
    # the US cooperates with both; Japan answers C, India D
    assert relation[ARTEMIS, india] == pytest.approx(0.5)
    assert relation[ARTEMIS, japan] == pytest.approx(1.0)


def test_every_parameter_at_its_declared_bound_stays_finite():
    """Valid configs never produce NaN or infinity: every numeric parameter at the top of
    its declared range, for 60 years, every table finite."""
    import copy

    from sim.config.schema import compose
    from sim.config.schema import DynamicsConfig, PayoffConfig
    from sim.config.params import declared
    from sim.mesa.collect import actor_table, model_table
    from sim.config.validation import validate
    cfg = to_plain(compose(["world.rest_of_world.count=10", "world.horizon=2080"]))
    for section, schema in (("payoffs", PayoffConfig), ("dynamics", DynamicsConfig)):
        for key, f in declared(schema):
            cfg[section][key] = f.metadata["hi"]
    cfg["world"]["threat_perception"] = 100.0
    for a in cfg["actors"].values():
        a["budget"] = a["capability"] = 1e4
        a["reaction"] = 100.0
    validate(copy.deepcopy(cfg))
    model = SpaceRaceModel(cfg, rng=1)
    model.run()
    numbers = model_table(model).select_dtypes("number").to_numpy(float)
    actors = actor_table(model).select_dtypes("number").to_numpy(float)
    assert np.isfinite(numbers).all() and np.isfinite(actors).all()


# --- a real Mesa model: keyword parameters, batch_run, tables, no reference cycles --------

def test_keyword_parameters_equal_the_config_they_map_to():
    from sim.config.schema import compose
    from sim.mesa.collect import model_table
    by_keywords = SpaceRaceModel(scenario="cold_war_race", rng=7, record_actors=False,
                                 threat_perception=1.5, payoffs__coop_gain=0.4,
                                 overrides=["strategies.noise=0.02"])
    cfg = to_plain(compose(["scenario=cold_war_race", "world.threat_perception=1.5",
                            "payoffs.coop_gain=0.4", "strategies.noise=0.02"]))
    by_config = SpaceRaceModel(cfg, rng=7, record_actors=False)
    by_keywords.run()
    by_config.run()
    assert model_table(by_keywords).equals(model_table(by_config))
    # the table Mesa's tools read is the same table
    assert by_keywords.datacollector.get_model_vars_dataframe().equals(model_table(by_config))


def test_keywords_are_checked():
    from sim.errors import ConfigError
    with pytest.raises(TypeError, match="ambiguous"):
        SpaceRaceModel(rng=1, year=2030)
    with pytest.raises(ConfigError, match="strategies.noise=3"):
        SpaceRaceModel(rng=1, noise=3)


def test_mesa_batch_run_drives_the_model_directly():
    import mesa
    rows = mesa.batch_run(SpaceRaceModel, {"threat_perception": [1.0, 2.0], "horizon": 2025,
                                           "record_actors": False},
                          rng=[3], max_steps=100, number_processes=1,
                          data_collection_period=-1, display_progress=False)
    assert [r["year"] for r in rows] == [2025, 2025]
    assert [r["threat_perception"] for r in rows] == [1.0, 2.0]
    alone = SpaceRaceModel(rng=3, horizon=2025, threat_perception=2.0, record_actors=False)
    alone.run()
    assert rows[1]["cooperation_density"] == alone.model_rows[-1][0]


def test_a_finished_model_needs_no_garbage_collector():
    import gc
    from sim.config.schema import compose
    cfg = to_plain(compose(["world.horizon=2024"]))
    # first use loads data and compiled kernels (their caches hold cycles of their own)
    SpaceRaceModel(cfg, seeds=range(2), record_actors=False).run()
    gc.collect()
    gc.disable()
    try:
        model = SpaceRaceModel(cfg, seeds=range(3), record_actors=False)
        model.run()
        model.datacollector.get_model_vars_dataframe()
        del model
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_finished_model_with_its_agents_needs_no_garbage_collector():
    """Mesa's agents refer to their model; ours do so weakly, so a model whose agents
    were made (the app, batch_run) is still freed by reference counting alone."""
    import gc
    model = SpaceRaceModel(rng=1, horizon=2025, record_actors=False)
    model.run()
    us = next(a for a in model.agents if a.name == "US")
    assert us.model is model and us.capability == model.actors.capability[0, us.index]
    del us
    gc.collect()
    gc.disable()
    try:
        del model
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_camps_are_anchored_on_the_configured_sides():
    from sim.config.schema import compose
    cfg = to_plain(compose(["outcome.west=[ESA,US]", "outcome.east=[Russia,China]"]))
    model = SpaceRaceModel(cfg, rng=1, record_actors=False)
    assert (model.west_anchor, model.east_anchor) == (model.index["ESA"], model.index["Russia"])
    model.run()
    labels = model.outcome()["labels"]
    assert labels[model.index["ESA"]] == 1 and labels[model.index["Russia"]] == 2


def test_parameters_md_holds_the_current_declared_ranges():
    from pathlib import Path

    from sim.mesa.keywords import base_config
    from sim.config.table import markdown
    text = (Path(__file__).parent.parent / "docs" / "PARAMETERS.md").read_text()
    assert markdown(base_config()) in text, "run python -m sim.config.table into docs/PARAMETERS.md"
