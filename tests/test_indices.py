"""Outcome indices, classes, the threshold-robustness table and the ternary figure
(sim/outcome/indices.py, sim/outcome/ternary.py) on hand-built worlds with hand-worked values."""

from dataclasses import replace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.outcome.camps import EAST, WEST, assign_camps
from sim.outcome.indices import (CLASSES, Indices, Thresholds, bloc_null_check, classify,
                         classify_table, compute, threshold_robustness)
from sim.outcome.snapshot import WorldSnapshot
from stylised_worlds import world

FOUR = ["US", "China", "Russia", "ESA"]


def cliques(k=4, between=(), share=1.0):
    """Two camps of ``k``: the US with w1.., China with e1..; every pair inside a camp
    cooperates in ``share`` of the years; ``between`` lists cross pairs that cooperate."""
    west = ["US", "ESA"] + [f"w{x}" for x in range(k - 2)]
    east = ["China", "Russia"] + [f"e{x}" for x in range(k - 2)]
    ties = [(a, b, share) for group in (west, east) for x, a in enumerate(group)
            for b in group[x + 1:]]
    ties += [(a, b, 1.0) for a, b in between]
    names = west + east
    return world(names=names, ties=ties, capability=np.ones(len(names)),
                 alignment=[1.0] * k + [-1.0] * k, related=np.ones((2 * k, 2 * k), bool),
                 programmes={"artemis": west, "ilrs": east})


# --- bloc -------------------------------------------------------------------------------

def test_two_perfect_cliques_are_a_complete_bloc():
    ind = compute(cliques())
    assert ind.bloc == pytest.approx(1.0)
    assert ind.between_observed == 0.0 and ind.between_expected == pytest.approx(0.5)
    assert ind.collaboration == 0.0                  # the US and China do not cooperate


def test_bloc_index_by_hand_with_one_cross_tie():
    """Cliques of 3 (3 ties each) and one cross tie w0–e0: 7 ties, x = 1/7, each camp
    holds half the degree, so expected 2 * 0.5 * 0.5 = 0.5 and r = 1 - (1/7) / 0.5 = 5/7."""
    snap = cliques(k=3, between=[("w0", "e0")])
    ind = compute(snap)
    assert ind.between_observed == pytest.approx(1 / 7)
    assert ind.bloc == pytest.approx(5 / 7)


def test_bloc_index_is_modularity_over_its_maximum():
    """r = Q / (1 - sum a_c^2) with Q networkx's modularity of the camps (Newman 2003)."""
    snap = cliques(k=5, between=[("w0", "e0"), ("w1", "e0"), ("US", "e2")], share=0.8)
    camp = assign_camps(snap).camp
    g = nx.Graph()
    inside = (camp[snap.i] > 0) & (camp[snap.j] > 0) & (snap.mutual > 0)
    g.add_weighted_edges_from(zip(snap.i[inside], snap.j[inside], snap.mutual[inside]))
    parts = [{v for v in g if camp[v] == WEST}, {v for v in g if camp[v] == EAST}]
    q = nx.community.modularity(g, parts, weight="weight")
    deg = dict(g.degree(weight="weight"))
    total = sum(deg.values())
    qmax = 1 - sum((sum(deg[v] for v in p) / total) ** 2 for p in parts)
    assert compute(snap).bloc == pytest.approx(q / qmax)


def test_complete_graph_is_no_bloc_and_full_collaboration():
    """Everyone cooperates with everyone: x = k^2 / (k(k-1) + k^2) exceeds the expected
    0.5, so r < 0 and the bloc index is 0; g = 1 and b = 1 give collaboration 1."""
    snap = world(names=FOUR, ties=[(a, b, 1.0) for x, a in enumerate(FOUR) for b in FOUR[x + 1:]],
                 programmes={"artemis": ["US", "ESA"], "ilrs": ["China", "Russia"]})
    ind = compute(snap)
    assert ind.bloc == 0.0
    assert ind.collaboration == pytest.approx(1.0) and ind.race == 0.0
    assert classify(ind) == "collaboration"


def test_one_camp_absorbing_everyone_is_hegemony_not_race():
    names = ["US", "China", "Russia", "ESA", "Japan", "UK"]
    ties = [("US", a, 1.0) for a in names[2:]] + [("Japan", "UK", 1.0)]
    snap = world(names=names, ties=ties, programmes={"artemis": ["US", "Japan", "UK", "ESA",
                                                                 "Russia"], "ilrs": ["China"]})
    ind = compute(snap)
    assert ind.bloc == 0.0 and ind.east_followers == 0 and ind.west_followers == 4
    assert classify(ind) == "hegemony"


def test_everyone_hedging_is_hedged():
    names = ["US", "China", "Russia", "ESA", "Japan", "UK"]
    progs = {"artemis": names, "ilrs": names}
    ind = compute(world(names=names, programmes=progs))
    assert ind.hedger_share == 1.0 and ind.roles["hedger"] == 4
    assert classify(ind) == "hedged"


# --- race -------------------------------------------------------------------------------

def test_race_by_hand():
    """Four powers competing every year (rivalry 1) spending a quarter of their ceiling:
    race = sqrt(1 * 0.25) = 0.5."""
    snap = world(names=FOUR, racing=[0.25] * 4)
    ind = compute(snap)
    assert ind.rivalry == 1.0 and ind.racing == pytest.approx(0.25)
    assert ind.race == pytest.approx(0.5)
    assert classify(ind) == "race"


def test_no_race_without_spending_or_without_rivalry():
    assert compute(world(names=FOUR, racing=[0.0] * 4)).race == 0.0
    allies = [(a, b, 1.0) for x, a in enumerate(FOUR) for b in FOUR[x + 1:]]
    assert compute(world(names=FOUR, ties=allies, racing=[1.0] * 4)).race == 0.0


def test_race_rivalry_weighs_pairs_by_capability():
    """Only US–China cooperate; with capabilities (1, 1, 0, 0) the other pairs weigh 0."""
    snap = world(names=FOUR, ties=[("US", "China", 1.0)], capability=[1, 1, 0, 0],
                 racing=[1.0] * 4)
    assert compute(snap).rivalry == 0.0


# --- collaboration ----------------------------------------------------------------------

def test_collaboration_by_hand():
    """US (a=1), China (a=-1), X (a=0), capabilities 1. Pair weights c c |a-a|/2: US–China 1,
    US–X 0.5, China–X 0.5. US–China cooperate half the years, US–X always, China–X never:
    b = (0.5 * 1 + 1 * 0.5 + 0) / 2 = 0.5, g = 0.5, collaboration = sqrt(0.25) = 0.5."""
    snap = world(names=["US", "China", "X"], ties=[("US", "China", 0.5), ("US", "X", 1.0)],
                 capability=[1, 1, 1], alignment=[1, -1, 0], space_powers=("US", "China"))
    ind = compute(snap)
    assert (ind.us_china, ind.cross_divide, ind.collaboration) == pytest.approx((0.5, 0.5, 0.5))


def test_shared_programme_counts_as_the_us_china_tie():
    """003: the Wolf Amendment "only restricts bilateral, not multilateral, cooperation"."""
    ties = [(a, b, 1.0) for x, a in enumerate(FOUR) for b in FOUR[x + 1:] if {a, b} != {"US", "China"}]
    apart = compute(world(names=FOUR, ties=ties))
    together = compute(world(names=FOUR, ties=ties, programmes={"tiangong": ["China", "US"]}))
    assert apart.collaboration == 0.0 and apart.us_china == 0.0
    assert together.us_china == 1.0 and together.collaboration > 0.5


@st.composite
def random_world(draw, us_china=None):
    n = draw(st.integers(4, 10))
    names = FOUR + [f"s{k}" for k in range(n - 4)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    coop = rng.choice([0.0, 0.2, 0.6, 1.0], size=(n, n))
    mutual = np.minimum(coop, coop.T) * rng.choice([0.5, 1.0], size=(n, n))
    mutual = np.minimum(mutual, mutual.T)
    if us_china is not None:
        coop[0, 1] = coop[1, 0] = mutual[0, 1] = mutual[1, 0] = us_china
    members = rng.random((4, n)) < 0.3
    if us_china == 0:            # no shared programme either
        members[:, 1] &= ~members[:, 0]
    related = rng.random((n, n)) < 0.8
    related[:4, :] = related[:, :4] = True
    return WorldSnapshot.from_matrix(
        names, coop, related=related | related.T, mutual_matrix=mutual,
        capability=rng.random(n), alignment=rng.uniform(-1, 1, n), members=members,
        programme_names=("artemis", "ilrs", "iss", "tiangong"), programme_side=(1, -1, 1, -1),
        racing=rng.random(n), racing_max=np.ones(n) + rng.random(n))


@settings(max_examples=80, deadline=None)
@given(random_world(us_china=0.0))
def test_no_us_china_cooperation_no_collaboration(snap):
    ind = compute(snap)
    assert ind.collaboration == 0.0 and ind.us_china == 0.0
    assert classify(ind) != "collaboration"


@settings(max_examples=80, deadline=None)
@given(random_world(), st.data())
def test_adding_a_cross_divide_tie_never_lowers_collaboration(snap, data):
    cross = np.flatnonzero(snap.alignment[snap.i] * snap.alignment[snap.j] < 0)
    if not len(cross):
        return
    k = data.draw(st.sampled_from(cross.tolist()))
    up = lambda a: np.where(np.arange(len(a)) == k, 1.0, a)  # noqa: E731
    tied = WorldSnapshot(**{**_fields(snap), "coop_ij": up(snap.coop_ij),
                            "coop_ji": up(snap.coop_ji), "mutual": up(snap.mutual)})
    assert compute(tied).collaboration >= compute(snap).collaboration - 1e-12


def _fields(snap):
    return {k: getattr(snap, k) for k in ("names", "capability", "alignment", "i", "j",
                                          "coop_ij", "coop_ji", "members", "programme_names",
                                          "programme_side", "racing", "racing_max", "mutual",
                                          "west", "east", "space_powers")}


@settings(max_examples=80, deadline=None)
@given(random_world(), st.randoms(use_true_random=False))
def test_indices_do_not_depend_on_actor_order(snap, rnd):
    order = list(range(snap.n))
    rnd.shuffle(order)
    a, b = compute(snap), compute(snap.permuted(order))
    for k in ("bloc", "race", "collaboration", "hedger_share", "us_china", "cross_divide"):
        assert getattr(a, k) == pytest.approx(getattr(b, k), abs=1e-12)
    assert (a.west_followers, a.east_followers, a.roles) == (b.west_followers, b.east_followers,
                                                             b.roles)


@settings(max_examples=80, deadline=None)
@given(random_world())
def test_indices_stay_in_the_unit_interval(snap):
    ind = compute(snap)
    for k in ("bloc", "race", "collaboration", "rivalry", "racing", "us_china", "cross_divide",
              "hedger_share"):
        assert 0.0 <= getattr(ind, k) <= 1.0


# --- the analytic null against shuffles -------------------------------------------------

def test_null_check_is_seeded_and_reproducible():
    snap = cliques(k=6, between=[("w0", "e0"), ("w1", "e1")])
    camp = assign_camps(snap).camp
    a = bloc_null_check(snap, camp, shuffles=30, rng=7)
    b = bloc_null_check(snap, camp, shuffles=30, rng=np.random.default_rng(7))
    assert a == b
    assert a["r"] == pytest.approx(compute(snap).bloc)     # binary ties: same r
    assert a["z"] > 3                                        # far above degree-preserving shuffles
    assert abs(a["null_mean"]) < 0.3


def test_null_mean_is_near_zero_for_random_mixing():
    """A random graph with random camps: the shuffles' mean r is near the analytic 0 —
    slightly below it, since simple-graph shuffles cannot put a tie from an actor to itself
    (inside its camp) as the configuration model may (a finite-size bias of about -1 /
    camp size; 20 here)."""
    rng = np.random.default_rng(3)
    n = 40
    names = ["US", "China", "Russia", "ESA"] + [f"s{k}" for k in range(n - 4)]
    coop = (rng.random((n, n)) < 0.2).astype(float)
    coop = np.maximum(coop, coop.T)
    side = rng.random(n) < 0.5
    snap = world(names=names, ties=[(names[a], names[b], 1.0) for a, b in zip(*np.nonzero(np.triu(coop, 1)))],
                 capability=np.ones(n), alignment=np.zeros(n), related=np.ones((n, n), bool),
                 programmes={"artemis": ["US"] + [names[k] for k in np.flatnonzero(side) if k > 1],
                             "ilrs": ["China"] + [names[k] for k in np.flatnonzero(~side) if k > 1]})
    out = bloc_null_check(snap, assign_camps(snap).camp, shuffles=40, rng=1)
    assert -0.12 < out["null_mean"] < 0.02


# --- classes ----------------------------------------------------------------------------

def ind(**kw):
    base = dict(bloc=0.0, race=0.0, collaboration=0.0, between_observed=0.0,
                between_expected=0.0, rivalry=0.0, racing=0.0, us_china=0.0, cross_divide=0.0,
                hedger_share=0.0, west_followers=3, east_followers=3, roles={})
    base.update(kw)
    return Indices(**base)


@pytest.mark.parametrize("kw, expected", [
    (dict(bloc=0.6), "bloc"),
    (dict(race=0.5), "race"),                                   # at the threshold: in
    (dict(collaboration=0.49), "ambiguous"),
    (dict(bloc=0.7, race=0.6), "bloc"),                         # furthest above its threshold
    (dict(bloc=0.6, race=0.9), "race"),
    (dict(bloc=0.6, collaboration=0.6), "collaboration"),       # a tie: the CLASSES order
    (dict(hedger_share=0.5), "hedged"),
    (dict(hedger_share=0.5, race=0.55), "race"),
    (dict(east_followers=0), "hegemony"),
    (dict(west_followers=0, east_followers=0), "ambiguous"),
])
def test_classification_rule(kw, expected):
    assert classify(ind(**kw)) == expected


def test_thresholds_are_validated():
    with pytest.raises(ValueError, match=r"Thresholds.bloc: got 1.5; a number in \(0, 1\]"):
        Thresholds(bloc=1.5)
    with pytest.raises(ValueError, match="missing column 'race'"):
        classify_table(pd.DataFrame({"bloc": [0.1]}))


def runs_table():
    rng = np.random.default_rng(0)
    rows = []
    for scenario, centre in (("a", (0.55, 0.2, 0.1)), ("b", (0.2, 0.45, 0.0)),
                             ("c", (0.1, 0.1, 0.62))):
        for _ in range(50):
            x = np.clip(np.array(centre) + rng.normal(0, 0.05, 3), 0, 1)
            rows.append(dict(scenario=scenario, bloc=x[0], race=x[1], collaboration=x[2],
                             hedger_share=rng.uniform(0, 0.7), west_followers=5,
                             east_followers=int(rng.integers(0, 3))))
    return pd.DataFrame(rows)


def test_threshold_robustness_table():
    table = runs_table()
    out = threshold_robustness(table)
    assert out.shape == (3 * (1 + 4 * 2), len(CLASSES) + 2)
    assert list(out.columns) == list(CLASSES) + ["n", "max_shift"]
    assert np.allclose(out[list(CLASSES)].sum(axis=1), 1.0)
    assert (out["n"] == 50).all()
    base = out.xs(("none", 1.0), level=("threshold", "factor"))
    assert (out.xs(("none", 1.0), level=("threshold", "factor"))["max_shift"] == 0).all()
    # scenario a sits near the bloc threshold: raising it by 20% (0.6) moves bloc runs out
    a_up = out.loc[("a", "bloc", 1.2)]
    assert a_up["bloc"] < base.loc["a", "bloc"] and a_up["max_shift"] > 0
    # the baseline equals classify_table with the default thresholds
    direct = pd.crosstab(table["scenario"], classify_table(table), normalize="index")
    assert np.allclose(base.loc["a", direct.columns], direct.loc["a"])


def test_robustness_with_other_factors_and_groups():
    table = runs_table().rename(columns={"scenario": "lever"})
    out = threshold_robustness(table, by="lever", factors=(0.5,),
                               thresholds=replace(Thresholds(), race=0.4))
    assert out.shape == (3 * (1 + 4), len(CLASSES) + 2)
    with pytest.raises(ValueError, match="missing column 'scenario'"):
        threshold_robustness(table)


# --- the ternary figure -----------------------------------------------------------------

def test_ternary_figure(tmp_path):
    from sim.outcome.ternary import normalised, ternary_figure

    table = runs_table()
    table.loc[0, ["bloc", "race", "collaboration"]] = 0.0
    shares, ok = normalised(table)
    assert not ok[0] and np.allclose(shares[ok].sum(axis=1), 1.0)
    fig = ternary_figure(table)
    assert len(fig.axes) == 3
    assert "1 with all indices 0 not shown" in fig.axes[0].get_title()
    placed = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert placed == 49
    fig.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 10_000


# --- bad input: one line naming the field, the value and what is allowed -----------------

def good_fields():
    return dict(names=["US", "China", "Russia", "ESA"], capability=[1, 0.6, 0.45, 0.5],
                alignment=[1, -1, -0.6, 0.5], i=[0, 0, 1], j=[1, 2, 3], coop_ij=[1, 0, 0.5],
                coop_ji=[1, 0, 0.5], members=np.zeros((2, 4), bool),
                programme_names=("artemis", "ilrs"), programme_side=(1, -1),
                racing=[0, 0, 0, 0], racing_max=[1, 1, 1, 1])


@pytest.mark.parametrize("change, message", [
    (dict(capability=[1, 0.6, 0.45]), r"WorldSnapshot.capability: got shape \(3,\); shape \(4,\)"),
    (dict(coop_ij=[1.5, 0, 0.5]), r"WorldSnapshot.coop_ij: got 1.5; finite values in \[0, 1\]"),
    (dict(alignment=[1, -1, np.nan, 0]), r"WorldSnapshot.alignment: got nan"),
    (dict(mutual=[1, 0, 0.9]), r"WorldSnapshot.mutual: got a share above min"),
    (dict(i=[0, 0, 3], j=[1, 2, 3]), r"WorldSnapshot.i/j: got a self-pair at 2"),
    (dict(i=[0, 1, 1], j=[1, 0, 3]), r"WorldSnapshot.i/j: got a repeated pair"),
    (dict(j=[1, 2, 9]), r"WorldSnapshot.i/j: got an actor index out of range; indices 0..3"),
    (dict(programme_side=(1, 2)), r"WorldSnapshot.programme_side: got \[1.0, 2.0\]"),
    (dict(members=np.zeros((3, 4), bool)), r"WorldSnapshot.members: got shape \(3, 4\)"),
    (dict(racing_max=[1, 0, 1, 1]), r"WorldSnapshot.racing_max: got 0.0; finite values > 0"),
    (dict(west="USA"), r"WorldSnapshot.west: got 'USA'; one of names"),
    (dict(east="US"), r"WorldSnapshot.east: got 'US'; an actor other than west"),
    (dict(space_powers=("US", "India")), r"WorldSnapshot.space_powers: got 'India'"),
    (dict(names=["US", "US", "Russia", "ESA"]), r"WorldSnapshot.names: got duplicate names"),
])
def test_bad_snapshot_input_gets_one_clear_line(change, message):
    with pytest.raises(ValueError, match=message) as err:
        WorldSnapshot(**{**good_fields(), **change})
    assert "\n" not in str(err.value)


def test_good_snapshot_defaults():
    snap = WorldSnapshot(**good_fields())
    assert np.array_equal(snap.mutual, [1, 0, 0.5])             # min of the two directions
    # both competed: 1 - coop_ij - coop_ji + mutual (the third pair: 1 - 0.5 - 0.5 + 0.5)
    assert np.array_equal(snap.rivalry(), [0, 1, 0.5])
    assert snap.pair("Russia", "US") == 1 and snap.pair("Russia", "ESA") is None


def test_robustness_moves_the_camp_thresholds_with_snapshots():
    """Two cliques whose cross ties sit in 45% of the years: at the camp tie threshold 0.5
    they are not strong, at 0.4 (×0.8) the cross-tied actors become bridges — the camps
    stay, so the bloc index (and class) does not change; rows for camp_tie and camp_align
    are added per group."""
    snaps = [cliques(k=4, between=[("w0", "e0")]), cliques(k=3)]
    table = pd.DataFrame([compute(s).as_row() for s in snaps])
    table["scenario"] = ["x", "y"]
    out = threshold_robustness(table, snapshots=snaps)
    assert out.shape == (2 * (1 + 4 * 2 + 2 * 2), len(CLASSES) + 2)
    assert {"camp_tie", "camp_align"} <= set(out.index.get_level_values("threshold"))
    assert (out["max_shift"] == 0).all()                 # two clean blocs stay blocs
    with pytest.raises(ValueError, match="snapshots: got 1; one per table row"):
        threshold_robustness(table, snapshots=snaps[:1])


def test_kernels_run_inside_compiled_code():
    """The model's year loop is compiled: the kernels must be callable from numba."""
    from sim._jit import njit
    from sim.outcome.camps import camps_kernel
    from sim.outcome.indices import KERNEL_FIELDS, indices_kernel

    @njit
    def year(i, j, mutual, rivalry, c, a, in_w, in_e, power, racing, racing_max, w, e):
        camp, role, _, _, _, _, _, _ = camps_kernel(i, j, mutual, rivalry, c, a, in_w, in_e,
                                                    w, e, 0.5, 0.5)
        return indices_kernel(i, j, mutual, rivalry, c, a, camp, role, power, racing,
                              racing_max, in_w, in_e, False, w, e)

    snap = cliques()
    in_w, in_e = snap.in_camp_programmes()
    power = np.isin(np.array(snap.names), ["US", "China", "ESA", "Russia"])
    out, counts = year(snap.i, snap.j, snap.mutual, snap.rivalry(), snap.capability,
                       snap.alignment, in_w, in_e, power, snap.racing, snap.racing_max, snap.w, snap.e)
    ind = compute(snap)
    assert out[KERNEL_FIELDS.index("bloc")] == ind.bloc == 1.0
    assert counts.sum() == snap.n
