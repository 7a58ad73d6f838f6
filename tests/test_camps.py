"""Camps and roles (sim/outcome/camps.py) against the documents' face checks, on stylised worlds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.outcome.camps import BRIDGE, CHINA_LED, EAST, HEDGER, NO_CAMP, NON_ALIGNED, ROLES, US_LED, WEST, CampRule, assign_camps
from sim.outcome.agencies import agency_of_states, camp_membership
from stylised_worlds import status_quo_2021, world


def roles(snap, rule=CampRule()):
    return assign_camps(snap, rule).roles_by_name(snap.names)


# --- the documents' face checks ---------------------------------------------------------

def test_status_quo_roles_follow_the_documents():
    r = roles(status_quo_2021())
    # 002: "Europe and Canada, America's oldest and closest friends ... engage more closely
    # with China": in Artemis, cooperating with the US and with China -> bridges
    assert r["ESA"] == r["Canada"] == "bridge"
    assert r["Japan"] == r["UK"] == r["Australia"] == "us_led"
    assert r["Russia"] == "china_led"                 # in the ILRS, cooperating with China
    assert r["US"] == "us_led" and r["China"] == "china_led"
    assert r["Iran"] == r["India"] == r["state_001"] == "non_aligned"


def test_esa_in_both_camps_programmes_is_a_hedger_not_china_led():
    snap = status_quo_2021(programmes={"artemis": ["US", "Japan", "Canada", "UK", "Australia",
                                                   "ESA"], "ilrs": ["China", "Russia", "ESA"]})
    c = assign_camps(snap)
    k = snap.index["ESA"]
    assert ROLES[c.role[k]] == "hedger" and c.camp[k] == NO_CAMP


def test_esa_in_artemis_cooperating_only_with_china_is_still_a_bridge():
    """ESA's tie to the US one-sided (ESA cooperates, the US competes), ESA still working
    with Japan and Canada: its Artemis membership is not contradicted (its ties to the
    west core are net positive), so it keeps the west camp and bridges to China."""
    base = [("US", a, 1.0) for a in ("Japan", "Canada", "UK", "Australia")]
    base += [("ESA", "Japan", 1.0), ("ESA", "Canada", 1.0)]
    base += [("ESA", "China", 1.0), ("Canada", "China", 1.0), ("China", "Russia", 1.0)]
    snap = world(ties=base, one_way=[("ESA", "US", 1.0)],
                 programmes={"artemis": ["US", "Japan", "Canada", "UK", "Australia", "ESA"],
                             "ilrs": ["China", "Russia"]})
    assert roles(snap)["ESA"] == "bridge"


def test_an_agency_is_in_a_programme_when_a_weighted_majority_of_its_members_are():
    # actors: ESA (0) and its member states A (cap 0.6), B (0.3), C (0.1); programmes 0, 1
    members = np.array([[False, True, False, False],     # A only: 0.6 of 1.0 -> ESA in
                        [False, False, True, True],      # B and C: 0.4 -> ESA not in
                        [True, False, False, False]])    # ESA itself: stays in
    agency_of = np.array([-1, 0, 0, 0])
    out = camp_membership(members, np.array([1.0, 0.6, 0.3, 0.1]), agency_of)
    assert out[:, 0].tolist() == [True, False, True]
    np.testing.assert_array_equal(out[:, 1:], members[:, 1:])     # states: their own
    assert camp_membership(members, np.ones(4), np.full(4, -1)).tolist() == members.tolist()


def test_esa_follows_its_member_states_into_the_us_camp():
    """Issue 10: an agency signs no accord (the record counts accords by state). ESA out
    of Artemis, cooperating with China and (in fewer than half the years mutually) with the
    US: in no camp on its own; when its member state (here the UK) is in Artemis, ESA is in
    the US's camp, bridging to China."""
    artemis = ["US", "Japan", "Canada", "UK", "Australia"]
    ties = [t for t in _ties(status_quo_2021()) if "ESA" not in t[:2]]
    ties += [("ESA", "China", 1.0)] + [("ESA", a, 0.45) for a in artemis]
    alone = status_quo_2021(programmes={"artemis": artemis, "ilrs": ["China", "Russia"]},
                            ties=ties, one_way=[("ESA", a, 1.0) for a in artemis])
    assert roles(alone)["ESA"] == "non_aligned"
    agency_of = np.full(alone.n, -1)
    agency_of[alone.index["UK"]] = alone.index["ESA"]
    from dataclasses import fields
    kw = {f.name: getattr(alone, f.name) for f in fields(alone) if f.init}
    led = type(alone)(**{**kw, "agency_of": agency_of})
    assert roles(led)["ESA"] == "bridge"


def test_agency_of_states_reads_the_member_column():
    import pandas as pd
    states = pd.DataFrame({"iso3": ["FRA", "DEU", "USA"], "esa_member": [True, True, False]})
    out = agency_of_states(np.array(["", "FRA", "USA", "DEU"], dtype=object),
                           ["ESA", "France", "US", "Germany"], {"ESA": "esa_member"},
                           lambda column: set(states.loc[states[column], "iso3"]))
    assert out.tolist() == [-1, 0, -1, 0]


def test_russia_is_china_led_only_when_it_cooperates_with_china():
    # cooperating with China, in the ILRS
    assert roles(status_quo_2021())["Russia"] == "china_led"
    # cooperating with China, in no programme
    sq = status_quo_2021()
    snap = status_quo_2021(programmes={"artemis": ["US", "Japan", "Canada", "UK", "Australia",
                                                   "ESA"], "ilrs": ["China"]})
    assert roles(snap)["Russia"] == "china_led"
    # in the ILRS on paper but competing with China every year: not China-led
    no_tie = [t for t in _ties(sq) if set(t[:2]) != {"China", "Russia"}]
    snap = status_quo_2021(ties=no_tie)
    assert roles(snap)["Russia"] != "china_led"
    assert roles(snap)["Russia"] == "non_aligned"
    # out of the ILRS and no tie to China
    snap = status_quo_2021(ties=no_tie, programmes={"artemis": ["US"], "ilrs": ["China"]})
    assert roles(snap)["Russia"] == "non_aligned"


def _ties(snap):
    """The mutual ties of a stylised world as (a, b, share)."""
    return [(snap.names[a], snap.names[b], m) for a, b, m in zip(snap.i, snap.j, snap.mutual)
            if m > 0]


def test_russia_in_iss_and_ilrs_is_a_hedger():
    """003: "Perhaps Russia will choose to work with China, as well as with the U.S.-led
    multinational effort" — in both camps' programmes (the ISS counts as US-led)."""
    snap = status_quo_2021(programmes={"artemis": ["US"], "ilrs": ["China", "Russia"],
                                       "iss": ["US", "Russia", "ESA", "Japan", "Canada"]})
    assert roles(snap)["Russia"] == "hedger"


@pytest.mark.parametrize("extra_ties, one_way", [
    ([], []),                                                        # isolated
    ([("Iran", "Japan", 1.0), ("Iran", "UK", 1.0), ("Iran", "Australia", 1.0)], []),
    ([("Iran", "US", 1.0)], []),                                     # even a tie to the US
    ([], [("Iran", "US", 1.0)]),
    ([("Iran", "US", 1.0), ("Iran", "Japan", 1.0), ("Iran", "ESA", 1.0)], []),
])
def test_iran_is_never_us_led(extra_ties, one_way):
    sq = status_quo_2021()
    snap = world(ties=_ties(sq) + extra_ties, one_way=one_way,
                 programmes={"artemis": ["US", "Japan", "Canada", "UK", "Australia", "ESA"],
                             "ilrs": ["China", "Russia"]})
    assert roles(snap)["Iran"] != "us_led"


def test_iran_cooperating_with_china_is_china_led():
    snap = status_quo_2021(ties=_ties(status_quo_2021()) + [("Iran", "China", 1.0)])
    assert roles(snap)["Iran"] == "china_led"


def test_state_in_no_programme_with_no_strong_ties_is_non_aligned():
    # one-sided moves and a tie in fewer than half the years are not strong ties
    snap = status_quo_2021(ties=_ties(status_quo_2021()) + [("state_001", "US", 0.4),
                                                            ("state_001", "China", 0.4)])
    assert roles(snap)["state_001"] == "non_aligned"
    snap = world(ties=_ties(status_quo_2021()), one_way=[("state_001", "US", 1.0),
                                                        ("US", "state_002", 1.0)],
                 programmes={"artemis": ["US"], "ilrs": ["China"]})
    r = roles(snap)
    assert r["state_001"] == r["state_002"] == r["state_003"] == "non_aligned"


def test_tie_only_camps_and_the_alignment_midpoint():
    base = _ties(status_quo_2021())
    progs = {"artemis": ["US", "Japan", "Canada", "UK", "Australia", "ESA"],
             "ilrs": ["China", "Russia"]}
    # a strong tie to one leader only: that camp
    assert roles(world(ties=base + [("state_003", "US", 0.8)], programmes=progs))[
        "state_003"] == "us_led"
    # strong ties to both, alignment within the midpoints: non-aligned
    both = base + [("state_003", "US", 1.0), ("state_003", "China", 1.0)]
    assert roles(world(ties=both, programmes=progs))["state_003"] == "non_aligned"
    # strong ties to both, alignment beyond the east midpoint: China-led and a bridge
    align = [a for a in status_quo_2021().alignment]
    align[status_quo_2021().index["state_003"]] = -0.7
    assert roles(world(ties=both, programmes=progs, alignment=align))["state_003"] == "bridge"
    c = assign_camps(world(ties=both, programmes=progs, alignment=align))
    assert c.camp[status_quo_2021().index["state_003"]] == EAST


def test_programme_on_paper_contradicted_by_rivalry_falls_back_to_ties():
    """India in the ILRS on paper, competing with China and cooperating with the US and
    ESA: US camp. Russia the same: its alignment (-0.6, beyond the east midpoint) keeps it
    out of the US camp by ties alone, so it is non-aligned."""
    progs = {"artemis": ["US"], "ilrs": ["China", "Russia", "India"]}
    ties = [t for t in _ties(status_quo_2021()) if set(t[:2]) != {"China", "Russia"}]
    ties += [(a, b, 1.0) for a in ("India", "Russia") for b in ("US", "ESA")]
    snap = status_quo_2021(ties=ties, programmes=progs)
    c = assign_camps(snap)
    assert c.camp[snap.index["India"]] == WEST
    assert ROLES[c.role[snap.index["Russia"]]] == "non_aligned"


def test_leaders_keep_their_roles():
    snap = world(programmes={"artemis": ["US", "China"], "ilrs": ["China", "US"]})
    c = assign_camps(snap)
    assert c.role[snap.index["US"]] == US_LED and c.role[snap.index["China"]] == CHINA_LED


def test_codes_and_counts():
    c = assign_camps(status_quo_2021())
    counts = c.role_counts()
    assert sum(counts.values()) == 13 and counts["bridge"] == 2
    assert (NON_ALIGNED, US_LED, CHINA_LED, BRIDGE, HEDGER) == tuple(range(5))


def test_camp_rule_rejects_bad_thresholds():
    with pytest.raises(ValueError, match=r"CampRule.tie: got 0; a number in \(0, 1\]"):
        CampRule(tie=0)


# --- properties -------------------------------------------------------------------------

@st.composite
def random_world(draw):
    n = draw(st.integers(4, 9))
    names = ["US", "China", "Russia", "ESA"] + [f"s{k}" for k in range(n - 4)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    coop = rng.choice([0.0, 0.4, 0.6, 1.0], size=(n, n))
    mutual = np.minimum(coop, coop.T)
    members = rng.random((4, n)) < 0.3
    agency_of = np.where(rng.random(n) < 0.4, 3, -1)        # ESA's member states
    agency_of[3] = -1
    from sim.outcome.snapshot import WorldSnapshot
    return WorldSnapshot.from_matrix(
        names, coop, mutual_matrix=mutual, capability=rng.random(n),
        alignment=rng.uniform(-1, 1, n), members=members,
        programme_names=("artemis", "ilrs", "iss", "tiangong"), programme_side=(1, -1, 1, -1),
        racing=rng.random(n), racing_max=np.ones(n) + rng.random(n), agency_of=agency_of)


@settings(max_examples=60, deadline=None)
@given(random_world(), st.randoms(use_true_random=False))
def test_roles_do_not_depend_on_actor_order(snap, rnd):
    order = list(range(snap.n))
    rnd.shuffle(order)
    assert roles(snap) == roles(snap.permuted(order))


@settings(max_examples=60, deadline=None)
@given(random_world())
def test_every_actor_has_exactly_one_role_and_hedgers_have_no_camp(snap):
    c = assign_camps(snap)
    in_w, in_e = snap.in_camp_programmes()
    hedger = in_w & in_e
    hedger[[snap.w, snap.e]] = False
    assert ((c.role == HEDGER) == hedger).all()
    assert (c.camp[c.role == HEDGER] == NO_CAMP).all()
    assert (c.camp[c.role == NON_ALIGNED] == NO_CAMP).all()
    assert (c.camp[c.role == BRIDGE] != NO_CAMP).all()
