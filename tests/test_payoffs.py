"""Stage games from attributes (:func:`sim.payoffs.stage_games`) and their classification.

The algebra below follows the table in the module docstring of :mod:`sim.payoffs`
(own payoffs, before relative gains):

    pi(C,C) = B + Dup - X - X3 + PP + Bonus
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

from sim.payoffs import GAME_TYPES, PayoffParams, classify, classify_codes, stage_games

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


# --- stage_games ---------------------------------------------------------------------------

unit = st.floats(0, 1, allow_nan=False)
small = st.floats(0, 3, allow_nan=False)
cap = st.floats(0, 2, allow_nan=False)


@st.composite
def params(draw, **fixed):
    values = {f: draw(small) for f in PayoffParams.__dataclass_fields__}
    values.update(fixed)
    return PayoffParams(**values)


@st.composite
def relations(draw, min_pairs=1, max_pairs=4):
    """Inputs of ``stage_games`` for E undirected pairs (2E directed relations)."""
    E = draw(st.integers(min_pairs, max_pairs))
    n2 = 2 * E

    def arr(elements):
        return np.array(draw(st.lists(elements, min_size=n2, max_size=n2)), dtype=float)

    c_i = arr(cap)
    rev = (np.arange(n2) + E) % n2
    return dict(c_i=c_i, c_j=c_i[rev], rivalry=arr(unit), exposure=arr(unit),
                dual_use_j=arr(unit), opacity_j=arr(unit), w_i=arr(unit), w_int_i=arr(unit),
                rho=arr(unit), bonus=arr(small), security_multiplier=arr(small),
                exploitation_multiplier=arr(small), rev=rev)


def _zero_rho(kw):
    return {**kw, "rho": np.zeros_like(kw["rho"])}


@settings(max_examples=60, deadline=None)
@given(p=params(), kw=relations())
def test_R_minus_S_and_T_minus_P_without_relative_gains(p, kw):
    kw = _zero_rho(kw)
    g = stage_games(p, **kw)
    c_min = np.minimum(kw["c_i"], kw["c_j"])
    B = p.coop_gain * kw["c_j"]
    Dup = p.duplication_saving * c_min
    L = p.exploitation_cost * c_min * kw["exploitation_multiplier"]
    np.testing.assert_allclose(g.R - g.S, B + Dup + kw["bonus"] + L, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(g.T - g.P, p.free_ride * B, rtol=1e-9, atol=1e-9)
    comp = (p.spur + p.prestige_gain * kw["w_i"] - p.racing_cost) * c_min
    np.testing.assert_allclose(g.P, comp, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(p=params(), kw=relations())
def test_each_payoff_matches_the_docstring_table(p, kw):
    kw = _zero_rho(kw)
    g = stage_games(p, **kw)
    c_min = np.minimum(kw["c_i"], kw["c_j"])
    B = p.coop_gain * kw["c_j"]
    X = p.security_cost * kw["rivalry"] * kw["dual_use_j"] * kw["opacity_j"] * c_min \
        * kw["security_multiplier"]
    X3 = p.third_party_cost * kw["exposure"] * kw["c_i"] * kw["security_multiplier"]
    PP = p.partner_prestige * kw["w_int_i"]
    L = p.exploitation_cost * c_min * kw["exploitation_multiplier"]
    comp = (p.spur + p.prestige_gain * kw["w_i"] - p.racing_cost) * c_min
    close = dict(rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(g.R, B + p.duplication_saving * c_min - X - X3 + PP + kw["bonus"],
                               **close)
    np.testing.assert_allclose(g.S, -X - X3 - L + PP, **close)
    np.testing.assert_allclose(g.T, p.free_ride * B + comp, **close)
    np.testing.assert_allclose(g.P, comp, **close)


@settings(max_examples=60, deadline=None)
@given(p=params(), kw=relations())
def test_relative_gains_subtract_the_partners_payoff(p, kw):
    own = stage_games(p, **_zero_rho(kw))
    rel = stage_games(p, **kw)
    k, rev = kw["rho"], kw["rev"]
    close = dict(rtol=1e-9, atol=1e-9)
    # R: both cooperate, partner gets pi_j(C,C) = own.R[rev]
    np.testing.assert_allclose(rel.R, own.R - k * own.R[rev], **close)
    # S: I cooperate, partner competes and gets pi_j(D,C) = own.T[rev]
    np.testing.assert_allclose(rel.S, own.S - k * own.T[rev], **close)
    # T: I compete, partner cooperates and gets pi_j(C,D) = own.S[rev]
    np.testing.assert_allclose(rel.T, own.T - k * own.S[rev], **close)
    np.testing.assert_allclose(rel.P, own.P - k * own.P[rev], **close)


def _pair(c0, c1, kw1):
    """Inputs for one pair of actors 0 and 1 (relation 0: 0 -> 1, relation 1: 1 -> 0)."""
    c = np.array([c0, c1])
    return {**kw1, "c_i": c, "c_j": c[::-1], "rev": np.array([1, 0])}


@settings(max_examples=80, deadline=None)
@given(p=params(security_cost=0.0), kw=relations(min_pairs=1, max_pairs=1),
       c0=cap, c1=cap, delta=st.floats(1e-3, 1))
def test_raising_partner_capability_raises_R_without_security_cost(p, kw, c0, c1, delta):
    # With security_cost = 0, raising c_1 changes R_0 = cc_0 - k cc_1 by
    #   coop_gain*d + dup*d_min - k*(dup*d_min - third_party*exposure_1*mult_1*d) >= coop_gain*d
    # (d_min = change of min(c0, c1) <= d, k <= 1).
    before = stage_games(p, **_pair(c0, c1, kw))
    after = stage_games(p, **_pair(c0, c1 + delta, kw))
    assert after.R[0] >= before.R[0] + p.coop_gain * delta - 1e-9
    if p.coop_gain * delta > 1e-6:
        assert after.R[0] > before.R[0]


@settings(max_examples=80, deadline=None)
@given(p=params(), kw=relations(min_pairs=1, max_pairs=1), c0=cap, extra=cap,
       delta=st.floats(1e-3, 1))
def test_raising_a_stronger_partners_capability_raises_R(p, kw, c0, extra, delta):
    # Partner already at least as capable (c1 >= c0): min(c0, c1) does not move, so the
    # security and duplication terms are unchanged and R_0 rises by coop_gain*d plus
    # k * third_party * exposure_1 * mult_1 * d (the partner's own third-party cost).
    c1 = c0 + extra
    before = stage_games(p, **_pair(c0, c1, kw))
    after = stage_games(p, **_pair(c0, c1 + delta, kw))
    expected = (p.coop_gain * delta + kw["rho"][0] * p.third_party_cost * kw["exposure"][1]
                * kw["security_multiplier"][1] * delta)
    assert after.R[0] - before.R[0] == pytest.approx(expected, rel=1e-6, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(p=params(), kw=relations(), extra=st.floats(1e-3, 2))
def test_raising_security_cost_lowers_R_and_S_only(p, kw, extra):
    kw = _zero_rho(kw)
    before = stage_games(p, **kw)
    after = stage_games(dataclasses.replace(p, security_cost=p.security_cost + extra), **kw)
    drop = extra * kw["rivalry"] * kw["dual_use_j"] * kw["opacity_j"] \
        * np.minimum(kw["c_i"], kw["c_j"]) * kw["security_multiplier"]
    np.testing.assert_allclose(before.R - after.R, drop, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(before.S - after.S, drop, rtol=1e-9, atol=1e-12)
    assert np.all(after.R <= before.R + 1e-12) and np.all(after.S <= before.S + 1e-12)
    np.testing.assert_array_equal(after.T, before.T)
    np.testing.assert_array_equal(after.P, before.P)


@settings(max_examples=60, deadline=None)
@given(p=params(), kw=relations(), extra=st.floats(1e-3, 2))
def test_with_relative_gains_security_cost_raises_T(p, kw, extra):
    # T = pi_i(D,C) - k pi_j(C,D); the partner's sucker payoff falls with the security
    # cost, so T can only rise; P does not involve security at all.
    before = stage_games(p, **kw)
    after = stage_games(dataclasses.replace(p, security_cost=p.security_cost + extra), **kw)
    assert np.all(after.T >= before.T - 1e-12)
    np.testing.assert_array_equal(after.P, before.P)


def test_hand_computed_example():
    # One pair: actor 0 (c=1) and actor 1 (c=0.5); every parameter 0 except those set.
    # coop_gain 0.5, duplication 0.3, exploitation 0.3, free_ride 0.3, spur 0.1,
    # racing_cost 0.25, prestige_gain 0.3 (w_i = 0.5), partner_prestige 0.05 (w_int 0.8).
    p = PayoffParams(coop_gain=0.5, duplication_saving=0.3, security_cost=0.0,
                     exploitation_cost=0.3, free_ride=0.3, spur=0.1, prestige_gain=0.3,
                     racing_cost=0.25, partner_prestige=0.05, third_party_cost=0.0)
    one = np.ones(2)
    g = stage_games(p, c_i=np.array([1.0, 0.5]), c_j=np.array([0.5, 1.0]), rivalry=0 * one,
                    exposure=0 * one, dual_use_j=one, opacity_j=one, w_i=0.5 * one,
                    w_int_i=0.8 * one, rho=0 * one, bonus=0 * one,
                    security_multiplier=one, exploitation_multiplier=one, rev=np.array([1, 0]))
    # relation 0 -> 1: c_min = 0.5
    #   B = 0.25, Dup = 0.15, PP = 0.04, L = 0.15, Comp = (0.1 + 0.15 - 0.25) * 0.5 = 0
    #   R = 0.25 + 0.15 + 0.04 = 0.44; S = 0.04 - 0.15 = -0.11; T = 0.075; P = 0
    assert g.R[0] == pytest.approx(0.44)
    assert g.S[0] == pytest.approx(-0.11)
    assert g.T[0] == pytest.approx(0.075)
    assert g.P[0] == pytest.approx(0.0)
    # relation 1 -> 0: B = 0.5: R = 0.5 + 0.15 + 0.04 = 0.69; T = 0.15
    assert g.R[1] == pytest.approx(0.69)
    assert g.T[1] == pytest.approx(0.15)
    # R > T and P > S: a stag hunt for the weaker side too
    assert list(classify(g.R, g.S, g.T, g.P)) == ["stag_hunt", "stag_hunt"]


def test_payoff_params_from_config():
    cfg = {f: str(k) for k, f in enumerate(PayoffParams.__dataclass_fields__)}
    cfg["programme_bonus"] = 9   # extra keys are ignored
    p = PayoffParams.from_config(cfg)
    assert [getattr(p, f) for f in PayoffParams.__dataclass_fields__] == \
        [float(k) for k in range(len(PayoffParams.__dataclass_fields__))]
