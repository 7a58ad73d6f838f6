"""The model's outcome: the indices and camps of sim/outcome/indices.py and sim/outcome/camps.py read on a
run's final window (sim/outcome/rule.py, SpaceRaceModel.outcome), and Newman's modularity."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.outcome.camps import ROLES
from sim.outcome.indices import CLASSES, Thresholds, classify_table
from sim.mesa.model import SpaceRaceModel
from sim.outcome.rule import OutcomeRule, modularity
from sim.outcome.snapshot import WorldSnapshot

RULE = OutcomeRule(window=5, tie_threshold=0.5, align=0.5, thresholds=Thresholds())


def nx_modularity(tie, i, j, labels, n):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for a, b, w in zip(i, j, tie):
        G.add_edge(int(a), int(b), weight=float(w))
    parts = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    return nx.algorithms.community.modularity(G, parts, weight="weight")


def world(coop, members=None, alignment=None):
    """A 6-actor world: US, ESA, Japan (west); China, Russia, Iran (east)."""
    names = ("US", "ESA", "Japan", "China", "Russia", "Iran")
    n = len(names)
    members = np.zeros((4, n), bool) if members is None else members
    return WorldSnapshot.from_matrix(
        names, coop, capability=np.array([1, .4, .2, .8, .3, .05]),
        alignment=np.array([1, .6, .8, -1, -.6, -.7]) if alignment is None else alignment,
        members=members, programme_names=("artemis", "ilrs", "iss", "tiangong"),
        programme_side=np.array([1, -1, 1, -1]), racing=np.full(n, 0.1),
        racing_max=np.ones(n))


def test_two_camps_that_do_not_cooperate_across_are_a_bloc():
    coop = np.zeros((6, 6))
    for side in ((0, 1, 2), (3, 4, 5)):
        for a, b in itertools.permutations(side, 2):
            coop[a, b] = 1
    out = RULE.evaluate(world(coop))
    assert out["outcome"] == "bloc" and out["bloc"] == pytest.approx(1.0)
    assert out["collaboration"] == 0.0
    roles = [ROLES[k] for k in out["labels"]]
    assert roles == ["us_led"] * 3 + ["china_led"] * 3


def test_everyone_cooperating_is_collaboration_and_not_a_bloc():
    out = RULE.evaluate(world(np.ones((6, 6)) - np.eye(6)))
    assert out["outcome"] == "collaboration"
    assert out["us_china"] == 1.0 and out["bloc"] < 0.5


def test_cooperation_across_without_the_us_china_pair_is_not_collaboration():
    coop = np.ones((6, 6)) - np.eye(6)
    coop[0, 3] = coop[3, 0] = 0
    out = RULE.evaluate(world(coop))
    assert out["collaboration"] == 0.0 and out["outcome"] != "collaboration"


def test_nobody_cooperating_is_not_forced_into_race_without_spending():
    out = RULE.evaluate(world(np.zeros((6, 6))))
    assert out["race"] < 0.5 and out["outcome"] in ("hegemony", "ambiguous")


def test_classes_from_the_table_equal_the_runs_class():
    m = SpaceRaceModel(scenario="status_quo", rng=3, record_actors=False)
    m.run()
    out = m.outcome()
    import pandas as pd
    table = pd.DataFrame([{k: v for k, v in out.items() if k != "labels"}])
    assert classify_table(table, RULE.thresholds)[0] == out["outcome"] in CLASSES
    assert sum(out[f"role_{r}"] for r in ROLES) == len(m.names)


def test_window_shares_are_the_realised_moves_of_the_final_window():
    m = SpaceRaceModel(scenario="status_quo", rng=5, record_actors=False)
    m.run()
    E, w = m.relations.E, m.outcome_rule.window
    ij, ji, mutual = m.window_shares()
    h = m.action_history[0, -w:]
    assert np.allclose(ij, h[:, :E].mean(0)) and np.allclose(ji, h[:, E:].mean(0))
    assert np.allclose(mutual, (h[:, :E] & h[:, E:]).mean(0))
    assert np.all(mutual <= np.minimum(ij, ji) + 1e-12)


def test_thresholds_come_from_the_config_and_are_not_tuned():
    from sim.mesa.keywords import base_config
    o = base_config()["outcome"]
    rule = OutcomeRule.from_config(o)
    assert rule.thresholds == Thresholds()          # the conventions of sim/outcome/indices.py
    import pathlib
    text = pathlib.Path("configs/outcome/default.yaml").read_text()
    assert "calibrated" not in text and "reads as" not in text


# --- modularity -------------------------------------------------------------------------------

def test_modularity_by_hand():
    # a path 0-1-2-3 split {0,1} | {2,3}: m = 3, L = 1 each, degree sums 3 and 3
    #   Q = 2 (1/3 - (3/6)^2) = 2/3 - 1/2 = 1/6
    i, j = np.array([0, 1, 2]), np.array([1, 2, 3])
    assert modularity(np.ones(3), i, j, np.array([0, 0, 1, 1])) == pytest.approx(1 / 6)
    # all in one community: Q = 1 - 1 = 0
    assert modularity(np.ones(3), i, j, np.zeros(4, dtype=int)) == pytest.approx(0.0)
    # empty graph
    assert modularity(np.zeros(3), i, j, np.array([0, 0, 1, 1])) == 0.0


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 10**6), k=st.integers(1, 4),
       density=st.floats(0.1, 1.0), binary=st.booleans())
def test_modularity_equals_networkx(n, seed, k, density, binary):
    rng = np.random.default_rng(seed)
    pairs = np.array(list(itertools.combinations(range(n), 2)))
    keep = rng.random(len(pairs)) < density
    if not keep.any():
        keep[0] = True
    pairs = pairs[keep]
    i, j = pairs[:, 0], pairs[:, 1]
    tie = (rng.random(len(i)) < 0.7).astype(float) if binary else rng.random(len(i))
    labels = rng.integers(0, k, size=n)
    if tie.sum() <= 0:
        assert modularity(tie, i, j, labels) == 0.0
        return
    ours = modularity(tie, i, j, labels)
    assert ours == pytest.approx(nx_modularity(tie, i, j, labels, n), abs=1e-12)


