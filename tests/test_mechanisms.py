"""The documents' mechanisms (:mod:`sim.mechanisms`): Richardson's equations by hand, then
each mechanism's effect in the real model against a control run with the same seed in
which the mechanism is switched off or moved.

Configs are composed like the command line (``sim.config.schema.compose``); values that a
hand derivation relies on are set explicitly with overrides, so the tests do not depend
on defaults that others may retune.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.config.schema import compose
from sim.names import PROGRAMMES
from sim.mechanisms.security_spiral import spiral_year
from sim.mesa.model import SpaceRaceModel
from sim.config.plain import to_plain
from sim.mesa.collect import model_table

ARTEMIS, ILRS, ISS, TIANGONG = (PROGRAMMES.index(p) for p in PROGRAMMES)
SEED = 20240501


@pytest.fixture(scope="module")
def config():
    """``config(*overrides)``: a composed plain config (cached; a fresh copy each call)."""
    cache: dict[tuple, dict] = {}

    def get(*overrides: str) -> dict:
        key = tuple(overrides)
        if key not in cache:
            cache[key] = to_plain(compose(list(overrides)))
        return copy.deepcopy(cache[key])

    return get


def build(cfg: dict, seed: int = SEED) -> SpaceRaceModel:
    return SpaceRaceModel(cfg, rng=seed, record_actors=False)


def years(model: SpaceRaceModel):
    """Step the model year by year, yielding the year just simulated."""
    while model.running:
        year = model.year
        model.step()
        yield year


def start_of_year(model: SpaceRaceModel):
    """What ``step`` does before the choices: the mechanisms and milestones of the year,
    then the games (the year's rivalry is kept as ``model.rivalry`` for the tests)."""
    model.join_bonus[:] = 0.0
    for m in model.mechanisms:
        m.on_year(model, model.year)
    for m in model.milestone_schedule.get(model.year, ()):
        m.happen(model, model.year)
    model.rivalry, games = model._stage_games()
    return games


def mechanism(model: SpaceRaceModel, name: str):
    return next(m for m in model.mechanisms + model.milestones if m.name == name)


# --- Richardson's equations, through the security spiral's own yearly step -----------------
# Two rivals (rivalry 1 >= threshold 0) that competed on their only rival relation:
# spiral_year gives s' = s + (k * pace * s_rival - a s + grievance * budget), so with
# grievance 1 the constant term g is the budget; the cap is far away.

def richardson(s, k, a, g):
    src, dst = np.array([0, 1]), np.array([1, 0])
    return spiral_year(src, dst, np.ones(2), 0.0, np.zeros(2, dtype=bool), np.asarray(s, float),
                       np.asarray(g, float), np.asarray(k, float), np.ones(2),
                       np.asarray(a, float), 1.0, 1e12)


def test_richardson_runaway_when_reactions_exceed_fatigue():
    # k1 k2 = 0.36 > a1 a2 = 0.25. ds/dt = M s + g with M = [[-a, k], [k, -a]]:
    # eigenvalues -a +- k = 0.1, -1.1, so the Euler map I + M has an eigenvalue 1.1 > 1
    # and s grows like 1.1^t (1.1^200 ~ 2e8).
    k, a, g = np.array([0.6, 0.6]), np.array([0.5, 0.5]), np.array([1.0, 2.0])
    s = np.array([1.0, 1.0])
    path = [s]
    for _ in range(200):
        s = richardson(s, k, a, g)
        path.append(s)
    path = np.array(path)
    assert np.all(np.diff(path[20:], axis=0) > 0)           # still growing at the end
    assert np.all(path[-1] > 1e6)
    assert path[-1].sum() / path[-2].sum() == pytest.approx(1.1, rel=1e-3)


def test_richardson_settles_at_the_analytic_equilibrium():
    # k1 = 0.3, k2 = 0.2, a1 = 0.5, a2 = 0.4: k1 k2 = 0.06 < a1 a2 = 0.2.
    # Equilibrium: a1 s1 - k1 s2 = g1, -k2 s1 + a2 s2 = g2, det = a1 a2 - k1 k2 = 0.14:
    #   s1 = (a2 g1 + k1 g2) / det = (0.4*1 + 0.3*2) / 0.14 = 1.0 / 0.14
    #   s2 = (a1 g2 + k2 g1) / det = (0.5*2 + 0.2*1) / 0.14 = 1.2 / 0.14
    k, a, g = np.array([0.3, 0.2]), np.array([0.5, 0.4]), np.array([1.0, 2.0])
    expected = np.array([1.0 / 0.14, 1.2 / 0.14])
    np.testing.assert_allclose(np.linalg.solve(np.array([[0.5, -0.3], [-0.2, 0.4]]), g),
                               expected)
    s = np.array([0.0, 50.0])
    for _ in range(200):
        s = richardson(s, k, a, g)
    np.testing.assert_allclose(s, expected, rtol=1e-8)
    # it is a fixed point of the step
    np.testing.assert_allclose(richardson(expected, k, a, g), expected, rtol=1e-12)


def test_richardson_step_by_hand():
    # s = (1, 2): s1' = 1 + 0.3*2 - 0.5*1 + 0.1 = 1.2;  s2' = 2 + 0.2*1 - 0.4*2 + 0.2 = 1.6
    np.testing.assert_allclose(richardson([1.0, 2.0], [0.3, 0.2], [0.5, 0.4], [0.1, 0.2]),
                               [1.2, 1.6])


def test_spiral_keeps_spending_within_zero_and_the_cap():
    src, dst = np.array([0, 1]), np.array([1, 0])
    out = spiral_year(src, dst, np.ones(2), 0.0, np.zeros(2, dtype=bool), np.array([5.0, 0.0]),
                      np.array([1.0, 1.0]), np.array([0.0, 10.0]), np.ones(2),
                      np.array([2.0, 0.0]), 0.0, 0.5)
    # actor 0: 5 - 2*5 = -5 -> 0; actor 1: 0 + 10 * 5 = 50 -> cap 0.5 * budget 1
    np.testing.assert_allclose(out, [0.0, 0.5])


# --- Wolf Amendment ------------------------------------------------------------------------

COOPERATIVE_US = ("actors.US.strategy=always_cooperate", "strategies.noise=0",
                  "mechanisms.wolf_amendment.enacted=2011", "mechanisms.iss_retirement.year=2030")


def test_wolf_amendment_in_force_blocks_us_to_china(config):
    # The US plays always_cooperate without trembling hands: every US move is C except
    # the one the amendment forces to compete.
    model = build(config(*COOPERATIVE_US, "mechanisms.wolf_amendment.repeal_year=null"))
    us, china = model.index["US"], model.index["China"]
    k = model.relations.directed(us, china)
    assert k is not None
    from_us = np.flatnonzero(model.relations.src == us)
    others = from_us[from_us != k]
    for year in years(model):
        assert model.blocked[0, k], year
        assert not model.last_actions[0, k], year
        assert model.last_actions[0, others].all(), year     # multilateral/other ties unaffected
        assert model.blocked.sum() == 1
        assert not model.eligible[0, ISS, china] and not model.members[0, ISS, china], year


def test_wolf_amendment_repeal_lifts_the_block(config):
    model = build(config(*COOPERATIVE_US, "mechanisms.wolf_amendment.repeal_year=2025"))
    control = build(config(*COOPERATIVE_US, "mechanisms.wolf_amendment.repeal_year=null"))
    k = model.relations.directed(model.index["US"], model.index["China"])
    for year, _ in zip(years(model), years(control)):
        if year < 2025:
            assert model.blocked[0, k] and not model.last_actions[0, k], year
            assert not model.eligible[0, ISS, model.index["China"]], year
            # identical to the control run before the repeal (same seed)
            np.testing.assert_array_equal(model.last_actions, control.last_actions)
        else:
            assert not model.blocked[0, k] and model.last_actions[0, k], year
            assert not model.blocked.any()
            assert control.blocked[0, k] and not control.last_actions[0, k], year
        if 2025 <= year < 2030:
            # China may join the ISS once the ban is gone (until the ISS retires)
            assert model.eligible[0, ISS, model.index["China"]], year
        if year >= 2030:
            assert not model.eligible[0, ISS].any(), year


def test_wolf_amendment_enacted_later_is_not_in_force_before(config):
    model = build(config(*COOPERATIVE_US[:2], "mechanisms.wolf_amendment.enacted=2030",
                         "mechanisms.wolf_amendment.repeal_year=null"))
    k = model.relations.directed(model.index["US"], model.index["China"])
    for year in years(model):
        assert model.last_actions[0, k] == (year < 2030), year
        assert model.blocked[0, k] == (year >= 2030), year


def test_wolf_amendment_filters_the_initial_moves(config):
    # US and China sharing a programme at the start: the US -> China move is still banned.
    model = build(config("programmes.iss.initial_members=[US,Russia,ESA,Japan,Canada,China]",
                         "mechanisms.wolf_amendment.repeal_year=null"))
    k = model.relations.directed(model.index["US"], model.index["China"])
    assert not model.last_actions[0, k]


# --- Russia leaves the ISS ------------------------------------------------------------------

FROZEN = ("programmes.revision_rate=0", "mechanisms.iss_retirement.year=2030",
          "programmes.iss.initial_members=[US,Russia,ESA,Japan,Canada]")


@pytest.mark.parametrize("exit_year", [2025, 2028])
def test_russia_leaves_the_iss_in_its_year(config, exit_year):
    # With revision_rate = 0 nobody reconsiders a membership, so only mechanisms move them.
    model = build(config(*FROZEN, f"mechanisms.russia_iss_exit.year={exit_year}"))
    control = build(config(*FROZEN, "mechanisms.russia_iss_exit.year=null"))
    russia = model.index["Russia"]
    assert model.members[0, ISS, russia]
    for year, _ in zip(years(model), years(control)):
        assert model.members[0, ISS, russia] == (year < exit_year), year
        assert model.eligible[0, ISS, russia] == (year < exit_year), year
        assert control.members[0, ISS, russia] == (year < 2030), year


def test_russia_iss_exit_adds_ilrs_affinity(config):
    model = build(config(*FROZEN, "mechanisms.russia_iss_exit.year=2025",
                         "mechanisms.russia_iss_exit.ilrs_affinity=0.3"))
    control = build(config(*FROZEN, "mechanisms.russia_iss_exit.year=null",
                           "mechanisms.russia_iss_exit.ilrs_affinity=0.3"))
    russia = model.index["Russia"]
    for year, _ in zip(years(model), years(control)):
        diff = model.join_bonus - control.join_bonus
        if year < 2025:
            assert not diff.any(), year
        else:
            assert diff[0, ILRS, russia] == pytest.approx(0.3), year
            diff[0, ILRS, russia] = 0.0
            assert np.allclose(diff, 0.0), year
        if year == 2025:
            break


# --- ISS retirement -------------------------------------------------------------------------

@pytest.mark.parametrize("retire", [2030, 2040])
def test_iss_retirement_empties_the_iss(config, retire):
    model = build(config(f"mechanisms.iss_retirement.year={retire}"))
    for year in years(model):
        if year >= retire:
            assert not model.members[0, ISS].any(), year
            assert not model.programme_open[ISS], year
        else:
            assert model.members[0, ISS, model.index["US"]], year  # the leader stays while it flies
    table = model_table(model)
    assert (table.loc[table.year >= retire, "members_iss"] == 0).all()
    assert (table.loc[table.year < retire, "members_iss"] >= 1).all()


def test_iss_without_retirement_keeps_flying(config):
    model = build(config("mechanisms.iss_retirement.year=null"))
    for year in years(model):
        assert model.programme_open[ISS] and model.members[0, ISS, model.index["US"]], year
    assert (model_table(model)["members_iss"] >= 1).all()


# --- Tiangong opens to UN members -----------------------------------------------------------

OPEN = ("mechanisms.open_station.open_to_un_members=true", "programmes.tiangong.open=false",
        "programmes.tiangong.initial_members=[China]", "actors.ESA.un_member=false",
        "mechanisms.open_station.also_eligible=[]")


def test_esa_is_eligible_for_tiangong_by_its_agreement(config):
    # 004: ESA "has already signed an agreement with China's Space Agency send some
    # astronauts aboard the CSS" -- ESA is no UN member but may join once the station opens
    base = [o for o in OPEN if "also_eligible" not in o]
    model = build(config(*base, "mechanisms.open_station.also_eligible=[ESA]"))
    esa = model.index["ESA"]
    for year in years(model):
        assert model.eligible[0, TIANGONG, esa] == (year >= 2022), year


@pytest.mark.parametrize("operational", [2022, 2030])
def test_open_station_makes_un_members_eligible(config, operational):
    model = build(config(*OPEN, f"mechanisms.open_station.operational_year={operational}"))
    only_china = np.arange(model.actors.n) == model.index["China"]
    un = model.actors.un_member
    esa = model.index["ESA"]
    assert not un[esa] and un.sum() == model.actors.n - 1
    for year in years(model):
        expected = (un | only_china) if year >= operational else only_china
        np.testing.assert_array_equal(model.eligible[0, TIANGONG], expected, err_msg=str(year))
        assert not (model.members[0, TIANGONG] & ~model.eligible[0, TIANGONG]).any(), year
        assert not model.eligible[0, TIANGONG, esa] and not model.members[0, TIANGONG, esa], \
            year


def test_closed_station_stays_chinese(config):
    model = build(config(*OPEN[1:], "mechanisms.open_station.open_to_un_members=false"))
    for year in years(model):
        assert list(np.flatnonzero(model.eligible[0, TIANGONG])) == [model.index["China"]], year
        assert list(np.flatnonzero(model.members[0, TIANGONG])) == [model.index["China"]], year


def test_esa_eligible_when_an_initial_member(config):
    model = build(config("mechanisms.open_station.open_to_un_members=true",
                         "programmes.tiangong.open=false", "actors.ESA.un_member=false",
                         "programmes.tiangong.initial_members=[China,ESA]"))
    esa = model.index["ESA"]
    assert model.members[0, TIANGONG, esa]
    for year in years(model):
        assert model.eligible[0, TIANGONG, esa], year


def test_open_station_courts_developing_states(config):
    common = OPEN + ("mechanisms.open_station.operational_year=2022",
                     "mechanisms.open_station.courting=0.1",
                     "mechanisms.open_station.developing_capability=0.02")
    model = build(config(*common))
    control = build(config(*common[1:], "mechanisms.open_station.open_to_un_members=false"))
    for year, _ in zip(years(model), years(control)):
        if year == 2021:
            capability = model.actors.capability[0].copy()  # capability at the start of 2022
            np.testing.assert_array_equal(capability, control.actors.capability[0])
        if year == 2022:
            developing = capability < 0.02
            assert 0 < developing.sum() < model.actors.n
            diff = model.join_bonus[0, TIANGONG] - control.join_bonus[0, TIANGONG]
            np.testing.assert_allclose(diff, np.where(developing, 0.1, 0.0))
            break


# --- ESA–China data exchange ------------------------------------------------------------------

def test_esa_china_data_exchange_halves_the_security_cost(config):
    on = build(config("mechanisms.esa_china_data_exchange.since=2004",
                      "mechanisms.esa_china_data_exchange.security_discount=0.5"))
    off = build(config("mechanisms.esa_china_data_exchange.since=null",
                       "mechanisms.esa_china_data_exchange.security_discount=0.5"))
    esa, china = on.index["ESA"], on.index["China"]
    edges = [on.relations.directed(esa, china), on.relations.directed(china, esa)]
    assert None not in edges
    # the pair starts out cooperating only when the exchange is active
    assert on.last_actions[0, edges].all() and not off.last_actions[0, edges].any()
    g_on, g_off = start_of_year(on), start_of_year(off)
    np.testing.assert_allclose(on.mods.security_discount[0, edges], 0.5)
    np.testing.assert_array_equal(np.delete(on.mods.security_discount[0], edges), 1.0)
    np.testing.assert_array_equal(off.mods.security_discount, 1.0)
    # S = pi_i(C,D) - k pi_j(D,C): only the own (security-bearing) term changes -> S rises
    assert np.all(g_on.S[0, edges] > g_off.S[0, edges])
    np.testing.assert_array_equal(g_on.P, g_off.P)
    changed = np.flatnonzero(((g_on.R != g_off.R) | (g_on.S != g_off.S) | (g_on.T != g_off.T))[0])
    assert set(changed) == set(edges)
    # and it stays that way over the run
    for _ in years(on):
        np.testing.assert_allclose(on.mods.security_discount[0, edges], 0.5)


def test_esa_china_data_exchange_starting_later(config):
    model = build(config("mechanisms.esa_china_data_exchange.since=2030",
                         "mechanisms.esa_china_data_exchange.security_discount=0.5"))
    edges = [model.relations.directed(model.index["ESA"], model.index["China"])]
    assert not model.last_actions[0, edges].any()
    for year in years(model):
        assert model.mods.security_discount[0, edges][0] == (0.5 if year >= 2030 else 1.0), year


# --- bridges ---------------------------------------------------------------------------------

def test_bridges_lower_rivalry_on_bridge_relations(config):
    common = ("world.threat_perception=1.0", "mechanisms.bridges.actors=[ESA,Canada]")
    model = build(config(*common, "mechanisms.bridges.strength=0.3"))
    control = build(config(*common, "mechanisms.bridges.strength=0.0"))
    bridge = [model.index["ESA"], model.index["Canada"]]
    rel = model.relations
    on_bridge = np.isin(rel.src, bridge) | np.isin(rel.dst, bridge)
    g, g0 = start_of_year(model), start_of_year(control)
    np.testing.assert_allclose(model.mods.rivalry_discount[0], np.where(on_bridge, 0.3, 0.0))
    # rivalry = min(1, threat * |a_i - a_j| / 2 * (1 - discount)); threat 1 keeps it below 1
    np.testing.assert_allclose(model.rivalry[0, on_bridge], 0.7 * control.rivalry[0, on_bridge])
    np.testing.assert_array_equal(model.rivalry[0, ~on_bridge], control.rivalry[0, ~on_bridge])
    esa_china = rel.directed(model.index["ESA"], model.index["China"])
    assert model.rivalry[0, esa_china] < control.rivalry[0, esa_china]
    # the stage games change only on bridge relations
    differs = ((g.R != g0.R) | (g.S != g0.S) | (g.T != g0.T) | (g.P != g0.P))[0]
    assert differs.any() and not differs[~on_bridge].any()
    # and bridge actors lean toward Tiangong
    diff = model.join_bonus - control.join_bonus
    np.testing.assert_allclose(diff[0, TIANGONG, bridge], 0.3)
    diff[0, TIANGONG, bridge] = 0.0
    assert np.allclose(diff, 0.0)


# --- alliance cost ---------------------------------------------------------------------------

def test_alliance_cost_falls_on_us_treaty_allies_toward_china(config):
    common = ("mechanisms.bridges.strength=0.1", "world.threat_perception=1.0")
    model = build(config(*common, "mechanisms.alliance_cost.cost=0.05"))
    control = build(config(*common, "mechanisms.alliance_cost.cost=0.0"))
    g, g0 = start_of_year(model), start_of_year(control)
    rel, c, a = model.relations, model.actors.capability[0], model.actors.alignment[0]
    us, china = model.index["US"], model.index["China"]
    rivalry = min(1.0, abs(a[us] - a[china]) / 2)            # threat 1, no discount
    cost = model.mods.coop_cost[0]
    japan = rel.directed(model.index["Japan"], china)
    # 0.05 x rivalry x c_US, written per unit of China's capability
    assert cost[japan] * c[china] == pytest.approx(0.05 * rivalry * c[us])
    # a bridge (Canada, a NATO ally) rejects the bridges' strength of the role
    canada = rel.directed(model.index["Canada"], china)
    assert cost[canada] == pytest.approx(0.9 * cost[japan])
    # only allies -> China: not China -> Japan, not India (no US treaty), not ESA (an agency)
    for src, dst in (("China", "Japan"), ("India", "China"), ("ESA", "China"), ("Japan", "US")):
        k = rel.directed(model.index[src], model.index[dst])
        assert k is None or cost[k] == 0.0, (src, dst)
    allies = np.flatnonzero(cost)
    assert len(allies) > 20 and set(rel.dst[allies]) == {china}
    assert not control.mods.coop_cost.any()
    # the cost of cooperating lowers R and S of those relations only; T and P stay
    np.testing.assert_allclose(g0.R[0, allies] - g.R[0, allies], cost[allies] * c[china])
    np.testing.assert_allclose(g0.S[0, allies] - g.S[0, allies], cost[allies] * c[china])
    differs = ((g.R != g0.R) | (g.S != g0.S) | (g.T != g0.T) | (g.P != g0.P))[0]
    others = np.setdiff1d(np.flatnonzero(differs), allies)
    # relative gains carry an ally's loss into China's game toward it (rho x the ally's payoff)
    assert set(rel.src[others]) <= {china}


def test_alliance_cost_vanishes_without_us_china_rivalry(config):
    model = build(config("mechanisms.alliance_cost.cost=0.05", "world.threat_perception=0.0"))
    start_of_year(model)
    assert not model.mods.coop_cost.any()


# --- junior partner --------------------------------------------------------------------------

JUNIOR = ("actors.China.capability=0.6", "actors.Russia.capability=0.45",
          "actors.Russia.relative_gains=0.6")


def test_junior_partner_raises_russias_relative_gains_toward_china(config):
    model = build(config(*JUNIOR, "mechanisms.junior_partner.discomfort=0.3"))
    control = build(config(*JUNIOR, "mechanisms.junior_partner.discomfort=0.0"))
    russia, china = model.index["Russia"], model.index["China"]
    k = model.relations.directed(russia, china)
    g, g0 = start_of_year(model), start_of_year(control)
    # unease = discomfort * (c_China / c_Russia - 1) = 0.3 * (0.6 / 0.45 - 1) = 0.1
    assert model.mods.rho_extra[0, k] == pytest.approx(0.1)
    assert np.count_nonzero(model.mods.rho_extra) == 1
    assert not control.mods.rho_extra.any()
    # Russia's wish to be in the ILRS falls by the same amount
    assert model.join_bonus[0, ILRS, russia] - control.join_bonus[0, ILRS, russia] == \
        pytest.approx(-0.1)
    # only Russia's game toward China changes (rho enters R, S, T, P of that relation only)
    differs = ((g.R != g0.R) | (g.S != g0.S) | (g.T != g0.T) | (g.P != g0.P))[0]
    assert list(np.flatnonzero(differs)) == [k]


def test_junior_partner_needs_china_ahead(config):
    model = build(config("actors.China.capability=0.4", "actors.Russia.capability=0.45",
                         "mechanisms.junior_partner.discomfort=0.3"))
    start_of_year(model)
    assert not model.mods.rho_extra.any()


def test_junior_partner_tracks_capabilities_every_year(config):
    model = build(config(*JUNIOR, "mechanisms.junior_partner.discomfort=0.3"))
    russia, china = model.index["Russia"], model.index["China"]
    k = model.relations.directed(russia, china)
    for year in years(model):
        if year == 2030:
            break
    # at the start of 2031 the unease follows the capabilities of that moment
    c = model.actors.capability[0].copy()
    assert not np.allclose(c[[china, russia]], [0.6, 0.45])
    mechanism(model, "junior_partner").on_year(model, model.year)
    assert model.mods.rho_extra[0, k] == pytest.approx(0.3 * max(0.0, c[china] / c[russia] - 1))


# --- long game ---------------------------------------------------------------------------------

def test_long_game_slows_chinas_racing(config):
    common = ("mechanisms.long_game.actors=[China]", "actors.China.failure_tolerance=0.2")
    model = build(config(*common, "mechanisms.long_game.pace_discount=0.6"))
    control = build(config(*common, "mechanisms.long_game.pace_discount=0.0"))
    china = model.index["China"]
    # pace = 1 - pace_discount * (1 - failure_tolerance) = 1 - 0.6 * 0.8 = 0.52
    assert model.pace[0, china] == pytest.approx(0.52)
    assert np.count_nonzero(model.pace != 1.0) == 1
    np.testing.assert_array_equal(control.pace, 1.0)
    model.step()
    control.step()
    # same choices in the first year (same seed), so only China's racing reaction differs
    np.testing.assert_array_equal(model.last_actions, control.last_actions)
    assert model.actors.racing[0, china] < control.actors.racing[0, china]
    others = np.arange(model.actors.n) != china
    np.testing.assert_array_equal(model.actors.racing[0, others],
                                  control.actors.racing[0, others])


# --- milestones ----------------------------------------------------------------------------------

MILESTONE = ("milestones.asteroid_mission.year=2024",
             "milestones.asteroid_mission.actors=[China,Russia]",
             "milestones.asteroid_mission.programme=ilrs",
             "milestones.asteroid_mission.prestige=0.2",
             "milestones.asteroid_mission.capability_boost=0.01",
             "milestones.asteroid_mission.attractiveness=0.05",
             "milestones.asteroid_mission.partnership_bonus=0.05",
             "actors.China.prestige_domestic=0.9", "actors.China.prestige_international=0.7",
             "actors.China.failure_tolerance=0.2",
             "actors.Russia.prestige_domestic=0.7", "actors.Russia.prestige_international=0.6",
             "actors.Russia.failure_tolerance=0.4")


def _snapshot(model):
    return dict(prestige=model.actors.prestige.copy(), capability=model.actors.capability.copy(),
                attractiveness=model.attractiveness.copy(),
                pair_bonus=model.mods.pair_bonus.copy(),
                events=len(model.event_log))


def _spy_run(model, name):
    """Run the model, recording the state just before and after milestone ``name`` acts."""
    ms = mechanism(model, name)
    original = ms.happen
    seen = {}

    def spy(m, year):
        before = _snapshot(m)
        original(m, year)
        seen[year] = (before, _snapshot(m))

    ms.happen = spy
    for _ in years(model):
        pass
    return seen


def _effects(seen):
    """Years in which the milestone changed anything."""
    return [y for y, (a, b) in seen.items()
            if any(not np.array_equal(a[k], b[k]) for k in a)]


def test_milestone_success(config):
    model = build(config(*MILESTONE, "milestones.asteroid_mission.success_probability=1.0"))
    seen = _spy_run(model, "asteroid_mission")
    assert _effects(seen) == [2024]
    before, after = seen[2024]
    china, russia = model.index["China"], model.index["Russia"]
    # prestige += 0.2 * (domestic + international) / 2: China 0.2*0.8 = 0.16, Russia 0.2*0.65
    gain = after["prestige"] - before["prestige"]
    assert gain[0, china] == pytest.approx(0.16) and gain[0, russia] == pytest.approx(0.13)
    assert np.count_nonzero(gain) == 2
    ratio = after["capability"] / before["capability"]
    np.testing.assert_allclose(ratio[0, [china, russia]], 1.01)
    assert np.count_nonzero(ratio != 1.0) == 2
    assert after["attractiveness"][0, ILRS] - before["attractiveness"][0, ILRS] == \
        pytest.approx(0.05)
    pair = model.relations.between([china, russia], [china, russia])
    assert len(pair) == 2
    bonus = after["pair_bonus"] - before["pair_bonus"]
    np.testing.assert_allclose(bonus[0, pair], 0.05)
    assert np.count_nonzero(bonus) == 2
    events = [e for e in model.event_log if e[1] == "asteroid_mission"]
    assert events == [(2024, "asteroid_mission", "success")]


def test_milestone_failure(config):
    model = build(config(*MILESTONE, "milestones.asteroid_mission.success_probability=0.0"))
    seen = _spy_run(model, "asteroid_mission")
    assert _effects(seen) == [2024]
    before, after = seen[2024]
    china, russia = model.index["China"], model.index["Russia"]
    # prestige -= 0.2 * (1 - failure_tolerance): China 0.2*0.8 = 0.16, Russia 0.2*0.6 = 0.12
    loss = before["prestige"] - after["prestige"]
    assert loss[0, china] == pytest.approx(0.16) and loss[0, russia] == pytest.approx(0.12)
    assert np.count_nonzero(loss) == 2
    np.testing.assert_array_equal(after["capability"], before["capability"])
    np.testing.assert_array_equal(after["pair_bonus"], before["pair_bonus"])
    # the programme loses half the attractiveness: -0.025
    assert after["attractiveness"][0, ILRS] - before["attractiveness"][0, ILRS] == \
        pytest.approx(-0.025)
    events = [e for e in model.event_log if e[1] == "asteroid_mission"]
    assert events == [(2024, "asteroid_mission", "failure")]


def test_milestone_branches_share_history_until_their_year(config):
    win = build(config(*MILESTONE, "milestones.asteroid_mission.success_probability=1.0"))
    lose = build(config(*MILESTONE, "milestones.asteroid_mission.success_probability=0.0"))
    for year, _ in zip(years(win), years(lose)):
        if year < 2024:
            np.testing.assert_array_equal(win.actors.prestige, lose.actors.prestige)
            np.testing.assert_array_equal(win.last_actions, lose.last_actions)
        else:
            break
    assert win.actors.prestige[0, win.index["China"]] != \
        lose.actors.prestige[0, lose.index["China"]]


@pytest.mark.parametrize("when, expected", [("null", []), ("2026", [2026])])
def test_milestone_cancelled_or_moved(config, when, expected):
    model = build(config(*MILESTONE, "milestones.asteroid_mission.success_probability=1.0",
                         f"milestones.asteroid_mission.year={when}"))
    seen = _spy_run(model, "asteroid_mission")
    assert _effects(seen) == expected
    assert [e[0] for e in model.event_log if e[1] == "asteroid_mission"] == expected


# --- mechanisms as plug-ins: their order never matters --------------------------------------

def test_the_order_of_the_mechanisms_does_not_change_results(config):
    cfg = config("scenario=wolf_repeal", "mechanisms.iss_retirement.year=2026")
    forward = build(cfg)
    backward = build(cfg)
    backward._yearly.reverse()
    for _ in years(forward):
        pass
    for _ in years(backward):
        pass
    np.testing.assert_array_equal(forward.model_rows, backward.model_rows)
    np.testing.assert_array_equal(forward.members, backward.members)


def test_eligibility_combines_grants_and_bans_explicitly():
    from sim.world.programmes import Eligibility
    configured = np.array([[True, False, False]])
    for order in (("grant", "ban"), ("ban", "grant")):
        e = Eligibility(configured.copy())
        for what in order:
            if what == "grant":
                e.grant("a", 0, [1, 2])
            else:
                e.ban("b", 0, [0, 2])
        # (configured | any grant) & ~any ban, whichever mechanism acted first
        assert e.eligible.tolist() == [[False, True, False]]
    e.ban("b", 0, [0, 2], False)          # lifting one's own ban restores the rest
    assert e.eligible.tolist() == [[True, True, True]]


def test_a_new_mechanism_is_found_by_the_registry():
    from sim.mechanisms import REGISTRY
    from sim.config.schema import MechanismsConfig
    import dataclasses
    assert set(REGISTRY) == {f.name for f in dataclasses.fields(MechanismsConfig)}
    assert {"wolf_amendment", "security_spiral", "bridges"} <= set(REGISTRY)


def test_the_worked_example_of_docs_extending_writes_every_world():
    """The mechanism of docs/EXTENDING.md, as printed there, adds its pull to the Artemis
    wish of every actor in every world side by side, and to nothing else."""
    import re
    from pathlib import Path
    text = (Path(__file__).parents[1] / "docs" / "EXTENDING.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/EXTENDING.md", "exec"), namespace)
    mechanism = namespace["ResourceProvisions"]({"year": 2021, "pull": 0.3})
    model = SpaceRaceModel(to_plain(compose(["world.horizon=2022"])), seeds=[1, 2, 3],
                           record_actors=False)
    model.join_bonus[:] = 0.0
    mechanism.on_year(model, 2021)
    artemis = PROGRAMMES.index("artemis")
    np.testing.assert_array_equal(model.join_bonus[:, artemis], 0.3)
    np.testing.assert_array_equal(np.delete(model.join_bonus, artemis, axis=1), 0.0)
