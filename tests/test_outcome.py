"""Camps, modularity and the outcome rule (:mod:`sim.outcome`) on hand-built networks."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.outcome import (CAMPS, CHINA_LED, HEDGING, NONALIGNED, US_LED, OutcomeRule, camps,
                         modularity)

# The default thresholds (configs/outcome/default.yaml), written out so the tests do not
# depend on the YAML someone else is editing.
RULE = OutcomeRule(window=5, tie_threshold=0.5, collaboration_cross_share=0.75,
                   race_density=0.1, min_camp_size=3, min_camp_cohesion=0.3, hedge_ratio=0.5,
                   programme_tie=1.0)

# Eight actors: 0 = US, 1 = ESA, 2, 3 (the US side); 4 = China, 5 = Russia, 6, 7.
N, US, ESA, CHINA, RUSSIA = 8, 0, 1, 4, 5
PAIRS = np.array(list(itertools.combinations(range(N), 2)))
I, J = PAIRS[:, 0], PAIRS[:, 1]
WEST, EAST = {US, ESA}, {CHINA, RUSSIA}
CROSS = np.flatnonzero([(a in WEST and b in EAST) or (a in EAST and b in WEST) for a, b in PAIRS])
SIDE_A, SIDE_B = {0, 1, 2, 3}, {4, 5, 6, 7}


def shares(tied):
    """Share of mutually cooperative years: 1 for the listed pairs, 0 otherwise."""
    tied = {tuple(sorted(p)) for p in tied}
    return np.array([1.0 if (a, b) in tied else 0.0 for a, b in PAIRS])


def evaluate(share, weight=None, **extra):
    """The outcome rule on the 8-actor world; uniform relation weights unless given
    (then the capability-weighted density equals the plain density)."""
    weight = np.ones(len(PAIRS)) if weight is None else weight
    return RULE.evaluate(share, I, J, N, US, CHINA, CROSS, weight=weight, **extra)


def nx_modularity(tie, i, j, labels, n):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    for a, b, w in zip(i, j, tie):
        G.add_edge(int(a), int(b), weight=float(w))
    parts = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    return nx.algorithms.community.modularity(G, parts, weight="weight")


def test_two_cliques_joined_by_nothing_is_a_bloc():
    tied = [p for p in PAIRS if (set(p) <= SIDE_A) or (set(p) <= SIDE_B)]
    share = shares(tied)
    result = evaluate(share)
    assert result["outcome"] == "bloc"
    assert list(result["labels"]) == [US_LED] * 4 + [CHINA_LED] * 4
    assert result["camp_us_led"] == 4 and result["camp_china_led"] == 4
    assert result["camp_hedging"] == 0 and result["camp_nonaligned"] == 0
    # 12 ties of 28 pairs; none across the divide
    assert result["density"] == pytest.approx(12 / 28)
    assert result["cross_divide"] == 0.0
    # each camp is a clique (cohesion 1), no ties between them
    assert result["cohesion_us_led"] == 1.0 and result["cohesion_china_led"] == 1.0
    assert result["between_camps"] == 0.0
    # two K4s: m = 12, each camp L = 6 and degree sum 12: Q = 2 (6/12 - (12/24)^2) = 0.5
    assert result["modularity"] == pytest.approx(0.5)


def test_everyone_tied_is_collaboration():
    share = np.ones(len(PAIRS))
    result = evaluate(share)
    assert result["outcome"] == "collaboration"
    assert result["cross_divide"] == 1.0 and result["density"] == 1.0
    # everyone but the anchors has one tie to each anchor: balanced -> hedgers
    expected = [HEDGING] * N
    expected[US], expected[CHINA] = US_LED, CHINA_LED
    assert list(result["labels"]) == expected
    # K8 (m = 28, degree 7): camps {US}, {China}, 6 hedgers (K6, L = 15, degree sum 42):
    #   Q = -2 (7/56)^2 + 15/28 - (42/56)^2 = -1/32 - 3/112 = -13/224
    assert result["modularity"] == pytest.approx(-13 / 224)


def test_us_china_tie_across_the_divide_alone_is_not_collaboration():
    # Two blocs plus only the US-China tie: cross share 1/4 < 0.75
    tied = [p for p in PAIRS if (set(p) <= SIDE_A) or (set(p) <= SIDE_B)] + [(US, CHINA)]
    result = evaluate(shares(tied))
    assert result["cross_divide"] == pytest.approx(1 / 4)
    assert result["between_camps"] == pytest.approx(1 / 16)   # 1 of the 4 x 4 pairs
    assert result["outcome"] == "bloc"
    # three of the four west-east pairs tied: 3/4 >= 0.75 -> collaboration
    tied += [(US, RUSSIA), (ESA, CHINA)]
    result = evaluate(shares(tied))
    assert result["cross_divide"] == pytest.approx(3 / 4)
    assert result["outcome"] == "collaboration"


def test_almost_no_ties_is_a_race():
    share = shares([(US, ESA)])
    result = evaluate(share)
    assert result["density"] == pytest.approx(1 / 28)
    assert result["outcome"] == "race"


def test_race_is_decided_by_the_weighted_density():
    # Two cliques (12 ties of 28 pairs, plain density 0.43) but the tied pairs weigh
    # 0.001 and the untied ones 1: weighted density = 0.012 / (0.012 + 16) < 0.1 -> race,
    # although the camps alone would make a bloc.
    tied = [p for p in PAIRS if (set(p) <= SIDE_A) or (set(p) <= SIDE_B)]
    share = shares(tied)
    weight = np.where(share > 0, 0.001, 1.0)
    result = evaluate(share, weight=weight)
    assert result["density"] == pytest.approx(12 / 28)
    assert result["weighted_density"] == pytest.approx(0.012 / 16.012)
    assert result["outcome"] == "race"
    # uniform weights: weighted density == density
    assert evaluate(share)["weighted_density"] == pytest.approx(12 / 28)
    # all weight zero: weighted density 0 (no division by zero)
    assert evaluate(share, weight=np.zeros(len(PAIRS)))["weighted_density"] == 0.0


def test_no_ties_at_all_is_a_race_with_zero_modularity():
    result = evaluate(np.zeros(len(PAIRS)))
    assert result["outcome"] == "race"
    assert result["modularity"] == 0.0
    assert result["camp_nonaligned"] == N - 2


def test_shares_below_tie_threshold_are_not_ties():
    tied = [p for p in PAIRS if (set(p) <= SIDE_A) or (set(p) <= SIDE_B)]
    share = shares(tied) * 0.49          # just under tie_threshold = 0.5
    assert evaluate(share)["outcome"] == "race"
    share = shares(tied) * 0.5           # at the threshold: tied
    assert evaluate(share)["outcome"] == "bloc"


def test_small_camp_is_not_a_bloc():
    # the US side is a clique; China has a single partner -> China-led camp of size 2 < 3
    tied = [p for p in PAIRS if set(p) <= SIDE_A] + [(CHINA, RUSSIA)]
    result = evaluate(shares(tied))
    assert result["camp_china_led"] == 2
    assert result["outcome"] == "race"
    # a third cohesive member makes it a bloc: China, Russia, 6 all tied (cohesion 1)
    result = evaluate(shares(tied + [(CHINA, 6), (RUSSIA, 6)]))
    assert result["camp_china_led"] == 3 and result["cohesion_china_led"] == 1.0
    assert result["outcome"] == "bloc"


def test_camp_without_cohesion_is_not_a_bloc():
    # Programme memberships pull 6 and 7 into the China-led camp (size 4), but inside it
    # only China-Russia is tied: cohesion 1/6 < 0.3 -> race.
    tied = [p for p in PAIRS if set(p) <= SIDE_A] + [(CHINA, RUSSIA)]
    extra_b = np.zeros(N)
    extra_b[[6, 7]] = 1.0
    result = evaluate(shares(tied), extra_b=extra_b)
    assert result["camp_china_led"] == 4
    assert result["cohesion_china_led"] == pytest.approx(1 / 6)
    assert result["outcome"] == "race"


def test_cohesion_is_capability_weighted():
    # Two cliques, but the US-side pair (2, 3) is untied and weighs 6 (all others 1):
    # US camp pairs weigh 5 * 1 + 6 = 11, of which 5 are tied -> cohesion 5/11.
    tied = [p for p in PAIRS if ((set(p) <= SIDE_A) or (set(p) <= SIDE_B))
            and set(p) != {2, 3}]
    weight = np.array([6.0 if set(p) == {2, 3} else 1.0 for p in PAIRS])
    result = evaluate(shares(tied), weight=weight)
    assert result["camp_us_led"] == 4
    assert result["cohesion_us_led"] == pytest.approx(5 / 11)
    assert result["cohesion_china_led"] == 1.0
    assert result["outcome"] == "bloc"


# --- classify ------------------------------------------------------------------------------

def sizes(us, china, hedging=0, nonaligned=0):
    out = np.zeros(len(CAMPS), dtype=int)
    out[[NONALIGNED, US_LED, CHINA_LED, HEDGING]] = [nonaligned, us, china, hedging]
    return out


@pytest.mark.parametrize("density, cross, camp, coh_a, coh_b, between, expected", [
    (0.5, 0.75, sizes(1, 1), 0.0, 0.0, 0.0, "collaboration"),  # cross share at the threshold
    (0.01, 0.9, sizes(1, 1), 0.0, 0.0, 0.0, "collaboration"),  # checked before density
    (0.09, 0.1, sizes(5, 5), 1.0, 1.0, 0.0, "race"),           # too sparse, whatever the camps
    (0.1, 0.1, sizes(3, 3), 0.3, 0.3, 0.29, "bloc"),           # every bloc threshold just met
    (0.3, 0.1, sizes(3, 2), 1.0, 1.0, 0.0, "race"),            # one camp too small
    (0.3, 0.1, sizes(4, 4), 0.29, 1.0, 0.0, "race"),           # one camp not cohesive
    (0.3, 0.1, sizes(4, 4), 0.5, 0.6, 0.5, "bloc"),            # ties between camps do not decide
    (0.3, 0.74, sizes(4, 4), 0.5, 0.5, 0.1, "bloc"),
])
def test_classify_order_and_thresholds(density, cross, camp, coh_a, coh_b, between, expected):
    assert RULE.classify(density, cross, camp, coh_a, coh_b) == expected  # between: reported only


def test_from_config_reads_the_fields():
    cfg = {f: getattr(RULE, f) for f in OutcomeRule.__dataclass_fields__}
    cfg["west"], cfg["east"] = ["US"], ["China"]   # other keys are ignored
    assert OutcomeRule.from_config(cfg) == RULE


# --- camps and hedgers -----------------------------------------------------------------------

# 0 US, 1 A (tied to US), 2 China, 3 B (tied to China), 4 X tied to US, A and China,
# 5 Y without ties, 6 Z tied only to X.
H_PAIRS = [(0, 1), (2, 3), (4, 0), (4, 1), (4, 2), (6, 4)]
HI, HJ = np.array(H_PAIRS).T
HTIE = np.ones(len(H_PAIRS))


def test_hedger_detection_depends_on_hedge_ratio():
    # X has 2 ties into the US-led camp (US, A) and 1 into the China-led camp (China).
    # hedge_ratio 0.5: 1 >= 0.5 * 2 -> balanced enough: hedger.
    labels = camps(HTIE, HI, HJ, 7, 0, 2, hedge_ratio=0.5)
    assert list(labels) == [US_LED, US_LED, CHINA_LED, CHINA_LED, HEDGING, NONALIGNED,
                            NONALIGNED]
    # hedge_ratio 0.6: 1 < 0.6 * 2 -> US-led; then Z (tied to X only) joins the US camp too.
    labels = camps(HTIE, HI, HJ, 7, 0, 2, hedge_ratio=0.6)
    assert labels[4] == US_LED
    assert labels[6] == US_LED
    # hedge_ratio 0.4: still a hedger (1 >= 0.8)
    assert camps(HTIE, HI, HJ, 7, 0, 2, hedge_ratio=0.4)[4] == HEDGING


def test_hedgers_and_nonaligned_do_not_pull_others_in():
    labels = camps(HTIE, HI, HJ, 7, 0, 2, hedge_ratio=0.5)
    assert labels[4] == HEDGING
    assert labels[6] == NONALIGNED      # tied only to the hedger
    assert labels[5] == NONALIGNED      # no ties at all


def test_programme_ties_count_toward_camps():
    extra_a = np.zeros(7)
    extra_a[5] = 1.0                    # Y is in a US-led programme
    labels = camps(HTIE, HI, HJ, 7, 0, 2, 0.5, extra_a=extra_a)
    assert labels[5] == US_LED
    extra_b = np.zeros(7)
    extra_b[4] = 2.0                    # X also in two China-led programmes: 2 vs 3 -> hedger
    labels = camps(HTIE, HI, HJ, 7, 0, 2, 0.5, extra_b=extra_b)
    assert labels[4] == HEDGING
    extra_b[4] = 5.0                    # 2 vs 6: China-led
    labels = camps(HTIE, HI, HJ, 7, 0, 2, 0.5, extra_b=extra_b)
    assert labels[4] == CHINA_LED


def test_anchors_keep_their_camps():
    # even with all their ties on the other side
    labels = camps(np.ones(1), np.array([0]), np.array([1]), 2, 0, 1, 0.5)
    assert list(labels) == [US_LED, CHINA_LED]


def test_chain_propagation_needs_iterations():
    # US - 1 - 2 - 3: one hop per iteration
    i, j = np.array([0, 1, 2]), np.array([1, 2, 3])
    labels = camps(np.ones(3), i, j, 5, 0, 4, 0.5)
    assert list(labels[:4]) == [US_LED] * 4
    assert camps(np.ones(3), i, j, 5, 0, 4, 0.5, iterations=1)[3] == NONALIGNED


def test_hedge_ratio_zero_still_assigns_one_sided_actors():
    labels = camps(np.ones(1), np.array([0]), np.array([2]), 3, 0, 1, hedge_ratio=0.0)
    assert labels[2] == US_LED


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


def test_modularity_equals_networkx_on_the_hand_built_worlds():
    for tied in ([p for p in PAIRS if (set(p) <= SIDE_A) or (set(p) <= SIDE_B)],
                 [tuple(p) for p in PAIRS]):
        tie = shares(tied)
        labels = camps(tie, I, J, N, US, CHINA, 0.5)
        assert modularity(tie, I, J, labels) == pytest.approx(
            nx_modularity(tie, I, J, labels, N))
