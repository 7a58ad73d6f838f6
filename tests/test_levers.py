"""Each scenario's lever moves the quantity its pathway targets (its header in scenarios/
states the pathway): full model runs, scenario against status_quo with the same seeds."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.mesa.keywords import base_config
from sim.mesa.columns import MODEL_COLUMNS
from sim.game.payoffs import GAME_TYPES
from sim.experiments.run import simulate_many

#: 40 paired seeds: with 8, whether 3 in 4 pairs move was a coin toss for two targets
#: (Russia-US 5 of 8 against 39 of 40; open_station's Tiangong 4 of 8 against 27 of 40)
SEEDS = list(range(1, 41))


@functools.lru_cache(maxsize=None)
def runs(scenario, overrides=()):
    """The SEEDS runs of a scenario with overrides. Seeded, hence the same every time:
    made once per session and read by every test that compares against it (status_quo
    is every lever's baseline)."""
    return simulate_many(base_config(scenario, list(overrides)), SEEDS)


def yearly(scenario, column, since=2021, until=2050, overrides=()):
    """Per seed: the model-table column's mean over the years [since, until]."""
    m = runs(scenario, tuple(overrides))
    years = np.arange(m.start_year, m.horizon + 1)
    sel = (years >= since) & (years <= until)
    return m.world_rows[:, sel, MODEL_COLUMNS.index(column)].mean(axis=1)


def paired(scenario, column, since=2021, until=2050, overrides=()):
    return (yearly(scenario, column, since, until, overrides)
            - yearly("status_quo", column, since, until, overrides))


@pytest.mark.parametrize("scenario, column, since, until, sign", [
    ("iss_extended", "members_tiangong", 2031, 2039, -1),       # Tiangong the only station later
    ("open_station_diplomacy", "members_tiangong", 2022, 2050, +1),
    ("europe_bridge", "coop_Canada_China", 2021, 2050, +1),
    ("russia_junior_partner", "coop_Russia_China", 2021, 2050, -1),
    ("russia_junior_partner", "coop_Russia_US", 2021, 2050, +1),
    ("cold_war_race", "racing_spending", 2021, 2050, +1),
    ("global_collaboration", "us_china_cooperation", 2021, 2050, +1),
])
def test_each_lever_moves_its_target(scenario, column, since, until, sign, request):
    if scenario == "open_station_diplomacy":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "courting raises Tiangong's membership on average (+0.45 members over 2022-2050 "
            "in 40 paired seeds) but in only 27 of 40 pairs (3 nil, 10 lower; want >= 75%): "
            "the scenario also gives China more agreement partners at the start, which "
            "changes who cooperates with whom (pairs -1.7 ... +2.5 members, with common "
            "random numbers for the partners' draw), and a seat takes 3 years of talks, so "
            "the lever's effect is small against that path dependence")))
    d = paired(scenario, column, since, until)
    assert sign * d.mean() > 0 and np.mean(sign * d > 0) >= 0.75, d


def test_europe_bridge_keeps_esa_and_canada_with_the_us():
    """Bridges, not defectors: their cooperation with the US does not fall, and neither
    ends China-led."""
    assert paired("europe_bridge", "coop_ESA_US").mean() >= -0.02
    m = runs("europe_bridge")
    for b in range(m.n_worlds):
        labels = m.outcome(b)["labels"]
        for name in ("ESA", "Canada"):
            assert labels[m.index[name]] != 2, (b, name)     # 2 = china_led


def test_wolf_repeal_opens_a_door_that_transparency_and_threat_decide():
    # at the documents' attributes the US's game toward China is a deadlock: nil effect
    deadlock = GAME_TYPES.index("deadlock")
    game = yearly("wolf_repeal", "game_us_china", 2025)
    assert np.all(game == deadlock)
    # nil up to the moves' noise (both sides flip to cooperate in the same year: 1e-4 a
    # year at noise 0.01; one pair of the 40 has one such year)
    assert np.abs(paired("wolf_repeal", "us_china_cooperation", 2025)).mean() < 0.005
    # a more transparent China and a lower threat perception: the repeal lets them cooperate
    opener = ("actors.China.transparency=0.8", "world.threat_perception=0.5")
    d = paired("wolf_repeal", "us_china_cooperation", 2025, overrides=opener)
    assert d.mean() > 0.05
    # while the law is in force nothing makes them cooperate
    assert np.all(yearly("status_quo", "us_china_cooperation", overrides=opener) == 0)


@pytest.mark.parametrize("key, low, high", [
    ("actors.China.transparency", 0.2, 0.8),      # 003: "penchant for secrecy"
    ("world.threat_perception", 1.5, 0.5),        # 002: mistrust and misperception
    ("world.rules_of_the_road", 0.0, 1.0),        # 001: "rules of the road"
    ("actors.China.dual_use", 0.9, 0.3),          # 003: civilian is military
])
def test_the_us_china_game_responds_to_what_the_documents_say_moves_it(key, low, high):
    """The US's payoff from mutual cooperation with China, relative to mutual competition,
    rises when each of these moves in the cooperative direction."""
    from sim.mesa.model import SpaceRaceModel
    gap = []
    for value in (low, high):
        m = SpaceRaceModel(scenario="status_quo", rng=1, record_actors=False,
                           overrides=[f"{key}={value}"])
        g = m.stage_games()
        k = m.relations.directed(m.index["US"], m.index["China"])
        gap.append(g.R[0, k] - g.P[0, k])
    assert gap[1] > gap[0]
