"""Stage games from attributes (:class:`sim.game.payoffs.StageGame`, the path the model runs)
and their classification.

The algebra below follows the table in the module docstring of :mod:`sim.game.payoffs`
(own payoffs, before relative gains):

    pi(C,C) = B + Dup - X - X3 + PP + Bonus     (PP and Bonus times c_j)
    pi(C,D) = -X - X3 - L + PP
    pi(D,C) = free_ride * B + Comp
    pi(D,D) = Comp

so, with rho = 0 (no relative gains):

    R - S = B + Dup + Bonus + L          (the security terms and PP cancel)
    T - P = free_ride * B
    P     = Comp = (spur + prestige_gain * w_i - racing_cost) * min(c_i, c_j)

and with relative-gains weight k: R = pi_i(C,C) - k pi_j(C,C), S = pi_i(C,D) - k pi_j(D,C),
T = pi_i(D,C) - k pi_j(C,D), P = pi_i(D,D) - k pi_j(D,D).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.world.actors import ActorState, Relations
from sim.game.payoffs import (GAME_TYPES, PayoffParams, RelationModifiers, StageGame, classify,
                         classify_codes)

# --- classify -----------------------------------------------------------------------------

CASES = [
    # (R, S, T, P) -> game
    ((3, 0, 5, 1), "prisoners_dilemma"),   # T=5 > R=3 > P=1 > S=0
    ((5, 0, 3, 1), "stag_hunt"),           # R > T, P > S
    ((3, 1, 5, 0), "chicken"),             # T > R, S > P
    ((5, 3, 1, 0), "harmony"),             # R > T, S > P
    ((1, 0, 5, 3), "deadlock"),            # T > R, P > S, P > R
    ((1, 0, 5, 1), "deadlock"),            # P == R counts as deadlock (P >= R)
    ((3, 0, 3, 1), "degenerate"),          # R == T
    ((3, 1, 5, 1), "degenerate"),          # S == P
    ((2, 2, 2, 2), "degenerate"),          # all equal
    ((4, -2, 6, 0), "prisoners_dilemma"),  # negative sucker's payoff
]


@pytest.mark.parametrize("payoffs, name", CASES, ids=[n + str(p) for p, n in CASES])
def test_classify_scalars(payoffs, name):
    assert classify(*payoffs) == name
    assert GAME_TYPES[int(classify_codes(*payoffs))] == name


def test_classify_is_vectorised():
    R, S, T, P = (np.array([p[k] for p, _ in CASES], dtype=float) for k in range(4))
    out = classify(R, S, T, P)
    assert out.shape == (len(CASES),)
    assert list(out) == [name for _, name in CASES]
    codes = classify_codes(R, S, T, P)
    assert codes.dtype.kind == "i"
    assert list(np.asarray(GAME_TYPES)[codes]) == list(out)


@settings(max_examples=200, deadline=None)
@given(st.tuples(*[st.integers(-5, 5)] * 4))
def test_classify_agrees_with_ordinal_definitions(p):
    R, S, T, P = p
    name = classify(R, S, T, P)
    if R == T or S == P:
        assert name == "degenerate"
    elif R > T and S > P:
        assert name == "harmony"
    elif R > T and P > S:
        assert name == "stag_hunt"
    elif T > R and S > P:
        assert name == "chicken"
    elif R > P:
        assert name == "prisoners_dilemma"
    else:
        assert name == "deadlock"


# --- the stage game the model runs (sim.game.payoffs.StageGame) ---------------------------------

unit = st.floats(0, 1, allow_nan=False)
small = st.floats(0, 3, allow_nan=False)
cap = st.floats(0, 2, allow_nan=False)
lean = st.floats(-1, 1, allow_nan=False)


@st.composite
def params(draw, **fixed):
    values = {f: draw(small) for f in PayoffParams.__dataclass_fields__}
    values.update(fixed)
    return PayoffParams(**values)


def world(c, alignment, **attrs):
    """n actors (all pairs relate) with the given attributes (others neutral)."""
    n = len(c)
    one = lambda v: np.full(n, float(v))  # noqa: E731
    values = dict(capability=np.asarray(c, float), alignment=np.asarray(alignment, float),
                  budget=one(1), transparency=one(0), dual_use=one(1), prestige_domestic=one(0),
                  prestige_international=one(0), relative_gains=one(0),
                  failure_tolerance=one(0), reaction=one(0), fatigue=one(0),
                  future_weight=one(0))
    values.update({k: np.asarray(v, float) for k, v in attrs.items()})
    actors = ActorState(names=[f"a{k}" for k in range(n)], kind=np.zeros(n, np.int8),
                        un_member=np.ones(n, bool), **values)
    i, j = np.triu_indices(n, 1)
    return actors, Relations(i=i.astype(np.int64), j=j.astype(np.int64))


@st.composite
def worlds(draw):
    """A small world, its modifiers and the world-level settings, drawn at random."""
    n = draw(st.integers(2, 4))

    def arr(elements, size=n):
        return np.array(draw(st.lists(elements, min_size=size, max_size=size)), dtype=float)

    actors, rel = world(arr(cap), arr(lean), transparency=arr(unit), dual_use=arr(unit),
                        prestige_domestic=arr(unit), prestige_international=arr(unit),
                        relative_gains=arr(unit))
    m = 2 * rel.E
    mods = RelationModifiers(rivalry_discount=arr(unit, m), rho_extra=arr(unit, m),
                             pair_bonus=arr(small, m), security_discount=arr(unit, m),
                             coop_cost=arr(small, m))
    members = np.array(draw(st.lists(st.booleans(), min_size=4 * n, max_size=4 * n))).reshape(4, n)
    return dict(actors=actors, rel=rel, mods=mods, members=members,
                partner_alignment=arr(lean), threat=draw(st.floats(0, 3)),
                rules=draw(unit), programme_bonus=draw(small))


def run(p, w, **changes):
    w = {**w, **changes}
    game = StageGame(p, w["programme_bonus"], w["threat"], w["rules"], w["actors"], w["rel"])
    act = w["actors"]
    return game(act.capability, act.alignment, w["partner_alignment"], w["members"], w["mods"])


def by_hand(p, w):
    """Every term of the module docstring's table, computed with numpy."""
    act, rel, mods = w["actors"], w["rel"], w["mods"]
    i, j, rev = rel.src, rel.dst, rel.rev
    c, a = act.capability, act.alignment
    rivalry = np.minimum(1, w["threat"] * np.abs(a[i] - a[j]) / 2 * (1 - mods.rivalry_discount))
    peer = np.minimum(1, c[j] / np.maximum(c[i], 1e-12))
    rho = np.minimum(1, act.relative_gains[i] + mods.rho_extra) * rivalry * peer
    exposure = np.abs(a[i] - w["partner_alignment"][j]) / 2
    shared = (w["members"][:, i] & w["members"][:, j]).sum(axis=0)
    bonus = (w["programme_bonus"] * shared + mods.pair_bonus) * c[j]
    factor = 1 - w["rules"] / 2
    c_min = np.minimum(c[i], c[j])
    B = p.coop_gain * c[j]
    Dup = p.duplication_saving * c_min
    X = p.security_cost * rivalry * act.dual_use[j] * (1 - act.transparency[j]) * c_min \
        * factor * mods.security_discount
    X3 = p.third_party_cost * exposure * c[i] * factor * mods.security_discount
    L = p.exploitation_cost * c_min * factor
    w_i = (act.prestige_domestic[i] + act.prestige_international[i]) / 2
    comp = (p.spur + p.prestige_gain * w_i - p.racing_cost) * c_min
    PP = p.partner_prestige * act.prestige_international[i] * c[j]
    A = mods.coop_cost * c[j]
    cc, cd = B + Dup - X - X3 + PP + bonus - A, -X - X3 - L + PP - A
    dc, dd = p.free_ride * B + comp, comp
    return rivalry, (cc - rho * cc[rev], cd - rho * dc[rev], dc - rho * cd[rev], dd - rho * dd[rev])


@settings(max_examples=100, deadline=None)
@given(p=params(), w=worlds())
def test_every_term_matches_the_docstring_table(p, w):
    rivalry, g = run(p, w)
    expected_rivalry, (R, S, T, P) = by_hand(p, w)
    close = dict(rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rivalry, expected_rivalry, **close)
    np.testing.assert_allclose(g.R, R, **close)
    np.testing.assert_allclose(g.S, S, **close)
    np.testing.assert_allclose(g.T, T, **close)
    np.testing.assert_allclose(g.P, P, **close)


@settings(max_examples=60, deadline=None)
@given(p=params(), w=worlds(), extra=st.floats(1e-3, 2))
def test_raising_security_cost_lowers_R_and_S_only(p, w, extra):
    act = dataclasses.replace(w["actors"], relative_gains=np.zeros(w["actors"].n))
    w = {**w, "actors": act, "mods": dataclasses.replace(w["mods"],
                                                         rho_extra=np.zeros(2 * w["rel"].E))}
    _, before = run(p, w)
    rivalry, after = run(dataclasses.replace(p, security_cost=p.security_cost + extra), w)
    j = w["rel"].dst
    drop = extra * rivalry * act.dual_use[j] * (1 - act.transparency[j]) \
        * np.minimum(act.capability[w["rel"].src], act.capability[j]) \
        * (1 - w["rules"] / 2) * w["mods"].security_discount
    np.testing.assert_allclose(before.R - after.R, drop, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(before.S - after.S, drop, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(after.T, before.T)
    np.testing.assert_array_equal(after.P, before.P)


@settings(max_examples=60, deadline=None)
@given(p=params(), w=worlds(), extra=st.floats(1e-3, 2))
def test_with_relative_gains_security_cost_raises_T(p, w, extra):
    # T = pi_i(D,C) - k pi_j(C,D); the partner's sucker payoff falls with the security
    # cost, so T can only rise; P does not involve security at all.
    _, before = run(p, w)
    _, after = run(dataclasses.replace(p, security_cost=p.security_cost + extra), w)
    assert np.all(after.T >= before.T - 1e-12)
    np.testing.assert_array_equal(after.P, before.P)


def test_hand_computed_example():
    # One pair: actor 0 (c=1) and actor 1 (c=0.5), same alignment (no rivalry), no
    # programmes, no rules of the road; every parameter 0 except those set:
    # coop_gain 0.5, duplication 0.3, exploitation 0.3, free_ride 0.3, spur 0.1,
    # racing_cost 0.25, prestige_gain 0.3 (w_i = 0.5), partner_prestige 0.05 (w_int 0.8).
    p = PayoffParams(coop_gain=0.5, duplication_saving=0.3, security_cost=0.0,
                     exploitation_cost=0.3, free_ride=0.3, spur=0.1, prestige_gain=0.3,
                     racing_cost=0.25, partner_prestige=0.05, third_party_cost=0.0)
    actors, rel = world([1.0, 0.5], [0.5, 0.5], prestige_domestic=[0.2, 0.2],
                        prestige_international=[0.8, 0.8])
    rivalry, g = StageGame(p, 0.0, 1.0, 0.0, actors, rel)(
        actors.capability, actors.alignment, actors.alignment, np.zeros((4, 2), bool),
        RelationModifiers.neutral(2))
    assert list(rivalry) == [0.0, 0.0]
    # relation 0 -> 1: c_min = 0.5, c_j = 0.5
    #   B = 0.25, Dup = 0.15, PP = 0.05 * 0.8 * 0.5 = 0.02, L = 0.15,
    #   Comp = (0.1 + 0.15 - 0.25) * 0.5 = 0
    #   R = 0.25 + 0.15 + 0.02 = 0.42; S = 0.02 - 0.15 = -0.13; T = 0.075; P = 0
    assert g.R[0] == pytest.approx(0.42)
    assert g.S[0] == pytest.approx(-0.13)
    assert g.T[0] == pytest.approx(0.075)
    assert g.P[0] == pytest.approx(0.0)
    # relation 1 -> 0: c_j = 1, B = 0.5, PP = 0.04: R = 0.5 + 0.15 + 0.04 = 0.69; T = 0.15
    assert g.R[1] == pytest.approx(0.69)
    assert g.T[1] == pytest.approx(0.15)
    # R > T and P > S: a stag hunt for the weaker side too
    assert list(classify(g.R, g.S, g.T, g.P)) == ["stag_hunt", "stag_hunt"]


def test_hand_computed_rivalry_relative_gains_and_programme_bonus():
    # Two peers (c = 1) at alignments +1 and -1, threat 0.8: rivalry = 0.8 * 2 / 2 = 0.8.
    # Actor 0's relative-gains sensitivity 0.5: rho = 0.5 * 0.8 * 1 = 0.4. Both in one
    # programme with programme_bonus 0.1; rules of the road 0.5: security factor 0.75.
    p = PayoffParams(coop_gain=1.0, duplication_saving=0.0, security_cost=1.0,
                     exploitation_cost=0.0, free_ride=0.0, spur=0.0, prestige_gain=0.0,
                     racing_cost=0.0, partner_prestige=0.0, third_party_cost=0.0)
    actors, rel = world([1.0, 1.0], [1.0, -1.0], relative_gains=[0.5, 0.0],
                        transparency=[0.0, 0.5], dual_use=[1.0, 1.0])
    members = np.zeros((4, 2), bool)
    members[0] = True
    rivalry, g = StageGame(p, 0.1, 0.8, 0.5, actors, rel)(
        actors.capability, actors.alignment, actors.alignment, members,
        RelationModifiers.neutral(2))
    assert rivalry == pytest.approx([0.8, 0.8])
    # 0 -> 1: X = 1 * 0.8 * dual 1 * opacity 0.5 * c_min 1 * 0.75 = 0.3
    #   pi_0(C,C) = B 1 - X 0.3 + Bonus 0.1 = 0.8; 1 -> 0: X = 0.8 * 1 * 0.75 = 0.6, pi_1(C,C) = 0.5
    #   R_0 = 0.8 - 0.4 * 0.5 = 0.6; R_1 = 0.5 (no relative gains)
    assert g.R == pytest.approx([0.6, 0.5])
    # S_0 = pi_0(C,D) - rho pi_1(D,C) = -0.3 - 0.4 * 0 = -0.3; T_0 = 0 - 0.4 * (-0.6) = 0.24
    assert g.S[0] == pytest.approx(-0.3)
    assert g.T[0] == pytest.approx(0.24)


def test_payoff_params_from_config():
    cfg = {f: str(k) for k, f in enumerate(PayoffParams.__dataclass_fields__)}
    cfg["programme_bonus"] = 9   # extra keys are ignored
    p = PayoffParams.from_config(cfg)
    assert [getattr(p, f) for f in PayoffParams.__dataclass_fields__] == \
        [float(k) for k in range(len(PayoffParams.__dataclass_fields__))]
