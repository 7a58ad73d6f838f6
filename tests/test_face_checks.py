"""Named actors' camps on full model runs of status_quo, against the documents (issue 11).

Roles (docs/OUTCOMES.md): us_led / china_led (in a camp), bridge (in a camp and
cooperating with the other camp's core), hedger (in both camps' programmes), non_aligned.
Camps: WEST (the US's), EAST (China's), none.

A check that fails on the model as it is is marked ``xfail(strict=True)`` with its
measured figures, so it turns into an error the day the model passes it. Japan, the UK
and Australia are US-led in every one of these 20 runs since the alliance cost
(sim/mechanisms/alliance_cost.py, 002's "the role assigned to them by the US") met the
budget-built capability stock (Japan bridged in 1 of seeds 1-60 when this was written).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.outcome.camps import EAST, ROLES, WEST
from sim.mesa.keywords import base_config
from sim.experiments.run import simulate_many

SEEDS = list(range(1, 21))


@pytest.fixture(scope="module")
def worlds():
    m = simulate_many(base_config("status_quo"), SEEDS)
    out = []
    for b in range(m.n_worlds):
        o = m.outcome(b)
        k = {n: m.index[n] for n in m.names}
        ij, ji, mutual = m.window_shares(b)
        out.append({"role": {n: ROLES[o["labels"][i]] for n, i in k.items()},
                    "camp": {n: int(o["camp_labels"][i]) for n, i in k.items()},
                    "russia_china": _pair(m, b, "Russia", "China", mutual)})
    return out


def _pair(m, b, a, c, mutual):
    r = m.relations
    k = r.directed(m.index[a], m.index[c])
    return float(mutual[k % r.E]) if k is not None else 0.0


def test_esa_bridges_or_hedges_and_neither_esa_nor_canada_is_china_led(worlds):
    """002's full passage is a recommendation, not a description of 2021: "The most
    auspicious route is surely for Europe and Canada, America's oldest and closest friends,
    to impress upon all parties [...] And Europe and Canada can engage more closely with
    China in the human exploration of outer space, thus rejecting the role assigned to them
    by the US." So in the status quo both stay with the US ("oldest and closest friends",
    never China-led); ESA, which already exchanges data with China and trained with its
    astronauts (003), links the camps (bridge or hedger); Canada, with no such programme,
    keeps the role assigned to it (US-led is allowed). The recommendation itself is the
    europe_bridge scenario (next test)."""
    for w in worlds:
        for name in ("ESA", "Canada"):
            assert w["role"][name] != "china_led" and w["camp"][name] != EAST, (name, w)
    assert np.mean([w["role"]["ESA"] in ("bridge", "hedger") for w in worlds]) >= 0.75


def test_in_europe_bridge_esa_and_canada_bridge_or_hedge():
    """002's recommendation as a scenario: Europe and Canada engage more closely with China
    without leaving the US: at least 3 in 4 of their roles are bridge or hedger."""
    m = simulate_many(base_config("europe_bridge"), SEEDS)
    roles = [ROLES[m.outcome(b)["labels"][m.index[n]]]
             for b in range(m.n_worlds) for n in ("ESA", "Canada")]
    assert "china_led" not in roles
    assert np.mean([r in ("bridge", "hedger") for r in roles]) >= 0.75, roles


def test_japan_uk_australia_are_in_the_us_camp(worlds):
    # 002: "axis of democracies (composed of the USA, Europe, Japan, and India)"; 003:
    # Artemis signatories
    for w in worlds:
        for name in ("Japan", "UK", "Australia"):
            assert w["camp"][name] == WEST, (name, w["role"][name])


def test_japan_uk_australia_are_us_led_not_bridges(worlds):
    for w in worlds:
        for name in ("Japan", "UK", "Australia"):
            assert w["role"][name] == "us_led", (name, w["role"][name])


def test_russia_is_china_led_when_it_cooperates_with_china_and_not_otherwise(worlds):
    # 003: "Russia seems to be the weaker of the partners in any Russia-China space
    # relationship"; 002: the "association of autocracies"
    for w in worlds:
        if w["russia_china"] >= 0.5:
            assert w["role"]["Russia"] in ("china_led", "hedger"), w["role"]["Russia"]
        else:
            assert w["role"]["Russia"] != "china_led"


def test_iran_is_us_led_only_through_artemis_membership(worlds):
    """When Iran does end US-led, the camp rule is not at fault: it joined Artemis."""
    for w in worlds:
        if w["role"]["Iran"] == "us_led":
            assert w["camp"]["Iran"] == WEST


def test_iran_never_ends_us_led(worlds):
    # 002: "an association of autocracies (composed of China, Russia, and possibly Iran)"
    assert all(w["role"]["Iran"] != "us_led" for w in worlds)
