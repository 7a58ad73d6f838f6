"""Each scenario's lever moves the quantity its pathway targets (its header in scenarios/
states the pathway): full model runs, scenario against status_quo with the same seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mesa.keywords import base_config
from sim.mesa.columns import MODEL_COLUMNS
from sim.game.payoffs import GAME_TYPES
from sim.experiments.run import simulate_many

SEEDS = list(range(1, 9))


def yearly(scenario, column, since=2021, until=2050, overrides=()):
    """Per seed: the model-table column's mean over the years [since, until]."""
    m = simulate_many(base_config(scenario, list(overrides)), SEEDS)
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
    if scenario == "russia_junior_partner" and column == "coop_Russia_US":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "the lever's Russia-US effect is +0.54 on average but positive in only 5 of 8 "
            "paired seeds (want >= 75%): Russia-US is a stag hunt both ways and in 3 seeds "
            "neither side ever moves first. junior_partner acts through 003's pathway "
            "(Russia-China falls in 8 of 8 seeds); no document turns Russia's unease with "
            "China into a pull toward the US (Cheng: it dislikes being the West's weaker "
            "partner too), so no mechanism was added for it")))
    d = paired(scenario, column, since, until)
    assert sign * d.mean() > 0 and np.mean(sign * d > 0) >= 0.75, d


def test_europe_bridge_keeps_esa_and_canada_with_the_us():
    """Bridges, not defectors: their cooperation with the US does not fall, and neither
    ends China-led."""
    assert paired("europe_bridge", "coop_ESA_US").mean() >= -0.02
    m = simulate_many(base_config("europe_bridge"), SEEDS)
    for b in range(m.n_worlds):
        labels = m.outcome(b)["labels"]
        for name in ("ESA", "Canada"):
            assert labels[m.index[name]] != 2, (b, name)     # 2 = china_led


def test_wolf_repeal_opens_a_door_that_transparency_and_threat_decide():
    # at the documents' attributes the US's game toward China is a deadlock: nil effect
    deadlock = GAME_TYPES.index("deadlock")
    game = yearly("wolf_repeal", "game_us_china", 2025)
    assert np.all(game == deadlock)
    assert np.all(paired("wolf_repeal", "us_china_cooperation", 2025) == 0)
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
        k = m.relations.directed(m.us, m.china)
        gap.append(g.R[k] - g.P[k])
    assert gap[1] > gap[0]
