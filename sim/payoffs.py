"""Stage games from attributes: the (T, R, P, S) each actor faces toward each counterpart.

Every year, for each directed relation i -> j, the model builds i's payoffs from the
two actors' attributes. All terms are in *capability units per year* (the US's 2021
space capability = 1), so a payoff says how much an outcome is worth to i relative to
what the leading space power can do in a year. Own payoffs ``pi_i(x_i, x_j)``:

================  ===============================================================
pi(C, C)          B + Dup - X - X3 + PP + Bonus
pi(C, D)          -X - X3 - L + PP
pi(D, C)          free_ride * B + Comp
pi(D, D)          Comp
================  ===============================================================

* ``B = coop_gain * c_j`` — gains from cooperation grow with the partner's capability
  (shared data and science). 000: "The more data our scientists have that they can
  work on, the better it will be for us all."
* ``Dup = duplication_saving * min(c_i, c_j)`` — avoided duplication. 003: "If we're
  all duplicating everything individually, that is just stupid."
* ``X = security_cost * rivalry * dual_use_j * (1 - transparency_j) * min(c_i, c_j)``
  — the security cost of cooperating with a rival (technology transfer; dual use times
  opacity; bounded by what the weaker side can give or absorb). 004: "citing fears that its government could siphon technology and adapt
  it for military use".
* ``X3 = third_party_cost * exposure_ij * c_i`` — the friend of my rival: the
  security cost of cooperating with a partner whose own partners are i's rivals
  (``exposure_ij`` = half the distance between i's alignment and the capability-weighted
  alignment of j's partners). 000: "Beijing can use data collected from ground stations
  in South America—a key part of China's space infrastructure—for surveillance."
* ``L = exploitation_cost * min(c_i, c_j)`` — being exploited costs (assumption: the
  sucker's loss scales with what the pair can do together).
* ``Comp = (spur + prestige_gain * w_i - racing_cost) * min(c_i, c_j)`` — competition
  spurs capability and prestige but costs budget. 000: "Competition is good ... It helps
  you train, helps you improve performance".
* ``X`` and ``X3`` are multiplied by the rules-of-the-road factor ``1 - r/2`` and by the
  ESA–China data-exchange discount on that pair; ``L`` by the rules-of-the-road factor.
* ``PP = partner_prestige * w_int_i`` — international prestige of being a partner. 003:
  "Leadership in space is leadership in a transparent way for all nations to join you".
* ``Bonus`` — shared programme memberships and milestone partnerships (multilateral
  frameworks make joint work cheaper; assumption).

Relative gains (003: "There is competition between the U.S. and China for global
leadership"): i's utility subtracts ``rho_ij = min(1, relative_gains_i + extra_ij) *
rivalry_ij * min(1, c_j / c_i)`` times j's own payoff (``extra`` from the junior-partner
mechanism) (a much weaker partner's gain is no threat), so
``R = pi_i(C,C) - k pi_j(C,C)``, ``S = pi_i(C,D) - k pi_j(D,C)``,
``T = pi_i(D,C) - k pi_j(C,D)``, ``P = pi_i(D,D) - k pi_j(D,D)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.strategies import StageGames

GAME_TYPES = ("harmony", "stag_hunt", "chicken", "prisoners_dilemma", "deadlock", "degenerate")
N_GAME_TYPES = len(GAME_TYPES)


@dataclass(frozen=True, slots=True)
class PayoffParams:
    coop_gain: float
    duplication_saving: float
    security_cost: float
    exploitation_cost: float
    free_ride: float
    spur: float
    prestige_gain: float
    racing_cost: float
    partner_prestige: float
    third_party_cost: float

    @classmethod
    def from_config(cls, cfg) -> PayoffParams:
        return cls(**{f: float(cfg[f]) for f in cls.__dataclass_fields__})

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in self.__dataclass_fields__], dtype=np.float64)


def stage_games(p: PayoffParams, *, c_i, c_j, rivalry, exposure, dual_use_j, opacity_j, w_i,
                w_int_i, rho, bonus, security_multiplier, exploitation_multiplier,
                rev) -> StageGames:
    """Payoffs (R, S, T, P) to the deciding actor of each directed relation.

    All arguments are arrays over directed relations (``rev[k]`` is the reverse of
    relation ``k``) or scalars, except ``p``. ``rivalry`` already carries the threat
    perception; ``security_multiplier`` folds in the rules of the road and mechanism
    discounts, ``exploitation_multiplier`` the rules of the road; ``rho`` is the
    effective relative-gains weight (sensitivity times rivalry times the peer factor).
    """
    n = len(rev)
    arrays = [np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))
              for x in (c_i, c_j, rivalry, exposure, dual_use_j, opacity_j, w_i, w_int_i, rho,
                        bonus, security_multiplier, exploitation_multiplier)]
    R, S, T, P = _stage_kernel(p.as_array(), *arrays, np.asarray(rev, dtype=np.int64))
    return StageGames(R, S, T, P)


@njit
def _stage_kernel(p, c_i, c_j, rivalry, exposure, dual_use_j, opacity_j, w_i, w_int_i, rho,
                  bonus, security_multiplier, exploitation_multiplier, rev):
    n = len(rev)
    cc, cd, dc, dd = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        cc[k], cd[k], dc[k], dd[k] = own_payoffs(
            p, c_i[k], c_j[k], rivalry[k], exposure[k], dual_use_j[k], opacity_j[k], w_i[k],
            w_int_i[k], bonus[k], security_multiplier[k], exploitation_multiplier[k])
    return relative_payoffs(cc, cd, dc, dd, rho, rev)


@njit
def own_payoffs(p, c_i, c_j, rivalry, exposure, dual_use_j, opacity_j, w_i, w_int_i, bonus,
                security_multiplier, exploitation_multiplier):
    """One relation's own payoffs ``pi_i(C,C), pi_i(C,D), pi_i(D,C), pi_i(D,D)`` (the
    table in the module docstring)."""
    coop_gain, duplication_saving, security_cost, exploitation_cost, free_ride, spur, \
        prestige_gain, racing_cost, partner_prestige, third_party_cost = p
    c_min = min(c_i, c_j)
    benefit = coop_gain * c_j
    security = ((security_cost * rivalry * dual_use_j * opacity_j * c_min
                 + third_party_cost * exposure * c_i) * security_multiplier)
    comp = (spur + prestige_gain * w_i - racing_cost) * c_min
    prestige = partner_prestige * w_int_i
    return (benefit + duplication_saving * c_min - security + prestige + bonus,
            prestige - security - exploitation_cost * c_min * exploitation_multiplier,
            free_ride * benefit + comp,
            comp)


@njit
def relative_payoffs(cc, cd, dc, dd, rho, rev):
    """R, S, T, P after relative gains: i's own payoff less ``rho`` times the
    counterpart's (``rev[k]`` is the reverse of relation ``k``)."""
    n = len(rev)
    R, S, T, P = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        r = rev[k]
        R[k] = cc[k] - rho[k] * cc[r]
        S[k] = cd[k] - rho[k] * dc[r]
        T[k] = dc[k] - rho[k] * cd[r]
        P[k] = dd[k] - rho[k] * dd[r]
    return R, S, T, P


def classify(R, S, T, P) -> np.ndarray:
    """Name each stage game by its ordinal structure (works on scalars or arrays).

    ============  ===================  ==================================
    R vs T        S vs P               game
    ============  ===================  ==================================
    R > T         S > P                harmony (cooperating dominates)
    R > T         P > S                stag hunt (coordination)
    T > R         S > P                chicken (anti-coordination)
    T > R         P > S, R > P         prisoner's dilemma
    T > R         P > S, P >= R        deadlock (competing dominates, and pays)
    ties                               degenerate
    ============  ===================  ==================================
    """
    return np.asarray(GAME_TYPES)[classify_codes(R, S, T, P)]


def classify_codes(R, S, T, P) -> np.ndarray:
    """Integer codes into :data:`GAME_TYPES` (same shape as the inputs)."""
    R, S, T, P = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (R, S, T, P)))
    flat = [np.ascontiguousarray(x).reshape(-1) for x in (R, S, T, P)]
    return _classify_kernel(*flat).reshape(R.shape)


@njit
def _classify_kernel(R, S, T, P):
    out = np.empty(len(R), dtype=np.int64)
    for k in range(len(R)):
        if R[k] == T[k] or S[k] == P[k]:
            out[k] = 5                      # degenerate
        elif R[k] > T[k]:
            out[k] = 0 if S[k] > P[k] else 1    # harmony / stag hunt
        elif S[k] > P[k]:
            out[k] = 2                      # chicken
        else:
            out[k] = 3 if R[k] > P[k] else 4   # prisoner's dilemma / deadlock
    return out


@njit
def count_game_types(R, S, T, P) -> np.ndarray:
    """How many relations face each game type (codes into :data:`GAME_TYPES`)."""
    counts = np.zeros(N_GAME_TYPES, dtype=np.int64)
    for code in _classify_kernel(R, S, T, P):
        counts[code] += 1
    return counts
