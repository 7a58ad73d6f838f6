"""Stage games from attributes: the (T, R, P, S) each actor faces toward each counterpart.

Every year, for each directed relation i -> j, the model builds i's payoffs from the
two actors' attributes. All terms are in *capability units per year* (the US's 2021
space capability = 1), so a payoff says how much an outcome is worth to i relative to
what the leading space power can do in a year. Own payoffs ``pi_i(x_i, x_j)``:

================  ===============================================================
pi(C, C)          B + Dup - X - X3 + PP + Bonus - A
pi(C, D)          -X - X3 - L + PP - A
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
* ``PP = partner_prestige * w_int_i * c_j`` — international prestige of being a capable
  actor's partner (the same term the yearly growth adds to prestige). 003: "Leadership in
  space is leadership in a transparent way for all nations to join you".
* ``Bonus = (programme_bonus * shared programmes + pair_bonus) * c_j`` — shared programme
  memberships and milestone partnerships (multilateral frameworks make joint work cheaper;
  assumption), worth more with a more capable partner.
* ``A = coop_cost * c_j`` — a cost of cooperating toward j whatever j does, per unit of
  the partner's capability (``coop_cost`` set by a mechanism: the alliance cost, a US
  ally's cost of working with the US's rival, :mod:`sim.mechanisms.alliance_cost`).

Every term is capability times a number, so the payoffs are homogeneous of degree one in
the capabilities: when all capabilities grow by the same factor no stage game changes its
type (tests/test_payoffs.py). Games change only with *relative* capability, alignment,
programmes and the mechanisms, so a parameter keeps its meaning over a run. (A constant
prestige or bonus term did not: as capabilities grew, it faded against the terms that grow,
and harmony turned into stag hunts and deadlocks over time for that reason alone.)

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
from sim.game.strategies import StageGames

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


class StageGame:
    """The stage game (R, S, T, P) of every directed relation, from the actors' attributes:
    the one payoff path (the model runs it every year; the tests check it by hand).

    Built once per run from what does not change (the payoff parameters, the world's
    threat perception and rules of the road, the relations and the counterparts'
    dual use, opacity and prestige weights); called every year with what does::

        rivalry, games = stage_game(capability, alignment, partner_alignment, members, mods)

    For relation i -> j (``mods`` are the mechanisms' per-relation modifiers,
    :class:`RelationModifiers`):

    * rivalry = min(1, threat * |a_i - a_j| / 2 * (1 - rivalry_discount));
    * rho (relative-gains weight) = min(1, relative_gains_i + rho_extra) * rivalry
      * min(1, c_j / c_i) (a much weaker partner's gain is no threat);
    * exposure = |a_i - partner_alignment_j| / 2 (the friend of my rival);
    * Bonus = programme_bonus * shared programmes + pair_bonus;
    * security multiplier = (1 - rules_of_the_road / 2) * security_discount;
      exploitation multiplier = 1 - rules_of_the_road / 2;
    * A = coop_cost * c_j (subtracted from both cooperative outcomes);

    then the own payoffs of the table above (:func:`own_payoffs`) and relative gains
    (:func:`relative_payoffs`).
    """

    def __init__(self, params: PayoffParams, programme_bonus: float, threat: float,
                 rules_of_the_road: float, actors, relations):
        self.params = params.as_array()
        self.programme_bonus = float(programme_bonus)
        self.threat = float(threat)
        self.rules_factor = 1.0 - 0.5 * float(rules_of_the_road)
        src, dst = relations.src, relations.dst
        self.src, self.dst, self.rev = src, dst, relations.rev
        self.exploitation = np.full(len(src), self.rules_factor)
        # what does not change, with the world axis first (one world's (n,) actors: B = 1)
        self.relative_gains = np.atleast_2d(actors.relative_gains)
        self.dual_use_j = np.atleast_2d(actors.dual_use[..., dst])
        self.opacity_j = np.atleast_2d(1.0 - actors.transparency[..., dst])
        self.w_i = np.atleast_2d(((actors.prestige_domestic
                                   + actors.prestige_international) / 2)[..., src])
        self.w_int_i = np.atleast_2d(actors.prestige_international[..., src])

    def __call__(self, capability, alignment, partner_alignment, members,
                 mods: RelationModifiers) -> tuple[np.ndarray, StageGames]:
        """This year's rivalry and stage games of every directed relation: ``(B, 2E)``
        arrays from the world axis of the per-actor arrays (``(B, n)``; ``members``
        ``(B, programme, n)``) and of ``mods``."""
        one = np.ndim(capability) == 1      # one world's (n,) arrays: add the world axis
        w = (lambda x: np.asarray(x)[None]) if one else (lambda x: x)
        rivalry, R, S, T, P = _year_games_worlds(
            self.params, self.src, self.dst, self.rev, w(capability), w(alignment),
            w(partner_alignment), self.relative_gains, w(members),
            w(mods.rivalry_discount), w(mods.rho_extra), w(mods.pair_bonus),
            w(mods.security_discount), w(mods.coop_cost), self.threat, self.rules_factor,
            self.programme_bonus, self.dual_use_j, self.opacity_j, self.w_i, self.w_int_i,
            self.exploitation)
        if one:
            rivalry, R, S, T, P = rivalry[0], R[0], S[0], T[0], P[0]
        return rivalry, StageGames(R, S, T, P)


@dataclass
class RelationModifiers:
    """Per directed relation, what the mechanisms change in the stage game (neutral
    values: no discount, no extra relative-gains weight, no bonus)."""

    rivalry_discount: np.ndarray
    rho_extra: np.ndarray
    pair_bonus: np.ndarray
    security_discount: np.ndarray
    coop_cost: np.ndarray | None = None     # None: no cost (zeros)

    def __post_init__(self):
        if self.coop_cost is None:
            self.coop_cost = np.zeros(np.shape(self.rho_extra))

    @classmethod
    def neutral(cls, shape) -> RelationModifiers:
        """Neutral modifiers for ``shape`` directed relations (``(B, 2E)`` in the model)."""
        return cls(np.zeros(shape), np.zeros(shape), np.zeros(shape), np.ones(shape),
                   np.zeros(shape))


@njit
def _year_games_worlds(payoffs, src, dst, rev, c, a, partner_alignment, relative_gains,
                       members, rivalry_discount, rho_extra, pair_bonus, security_discount,
                       coop_cost, threat, rules_factor, programme_bonus, dual_use_j, opacity_j,
                       w_i, w_int_i, exploitation):
    """:func:`_year_games` for each world (the leading axis of the per-actor, membership
    and per-relation arrays), each world's results written straight into its rows."""
    B, m = rivalry_discount.shape
    rivalry, R, S, T, P = np.empty((B, m)), np.empty((B, m)), np.empty((B, m)), \
        np.empty((B, m)), np.empty((B, m))
    for b in range(B):
        _year_games(payoffs, src, dst, rev, c[b], a[b], partner_alignment[b], relative_gains[b],
                    members[b], rivalry_discount[b], rho_extra[b], pair_bonus[b],
                    security_discount[b], coop_cost[b], threat, rules_factor, programme_bonus,
                    dual_use_j[b], opacity_j[b], w_i[b], w_int_i[b], exploitation,
                    rivalry[b], R[b], S[b], T[b], P[b])
    return rivalry, R, S, T, P


@njit
def _year_games(payoffs, src, dst, rev, c, a, partner_alignment, relative_gains, members,
                rivalry_discount, rho_extra, pair_bonus, security_discount, coop_cost, threat,
                rules_factor, programme_bonus, dual_use_j, opacity_j, w_i, w_int_i, exploitation,
                rivalry, R, S, T, P):
    """Rivalry and (R, S, T, P) of every directed relation in one pass, into the arrays
    ``rivalry``, ``R``, ``S``, ``T``, ``P``: the inputs of :func:`_relation_input` fed to
    :func:`own_payoffs`, then :func:`relative_payoffs`."""
    n_prog, n = members.shape
    codes = np.zeros(n, dtype=np.int64)
    for p in range(n_prog):
        for v in range(n):
            if members[p, v]:
                codes[v] |= 1 << p
    m = len(src)
    rho = np.empty(m)
    cc, cd, dc, dd = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    for k in range(m):
        rivalry[k], c_i, c_j, rho[k], exposure, bonus, security = _relation_input(
            src[k], dst[k], c, a, partner_alignment, relative_gains, codes, rivalry_discount[k],
            rho_extra[k], pair_bonus[k], security_discount[k], threat, rules_factor,
            programme_bonus)
        cc[k], cd[k], dc[k], dd[k] = own_payoffs(
            payoffs, c_i, c_j, rivalry[k], exposure, dual_use_j[k], opacity_j[k], w_i[k],
            w_int_i[k], bonus, security, exploitation[k], coop_cost[k])
    relative_payoffs(cc, cd, dc, dd, rho, rev, R, S, T, P)


@njit
def _relation_input(i, j, c, a, partner_alignment, relative_gains, codes, rivalry_discount,
                    rho_extra, pair_bonus, security_discount, threat, rules_factor,
                    programme_bonus):
    """Directed relation i -> j: rivalry, capabilities, relative-gains weight, exposure,
    bonus and security multiplier (see :class:`StageGame`)."""
    rivalry = pair_rivalry(threat, a[i], a[j], rivalry_discount)
    peer = min(1.0, c[j] / max(c[i], 1e-12))
    rho = min(1.0, relative_gains[i] + rho_extra) * rivalry * peer
    exposure = abs(a[i] - partner_alignment[j]) * 0.5
    shared = 0
    both = codes[i] & codes[j]
    while both:
        shared += both & 1
        both >>= 1
    bonus = programme_bonus * shared + pair_bonus
    return rivalry, c[i], c[j], rho, exposure, bonus, rules_factor * security_discount


@njit
def pair_rivalry(threat, a_i, a_j, rivalry_discount):
    """Rivalry of a relation: ``min(1, threat * |a_i - a_j| / 2 * (1 - rivalry_discount))``."""
    return min(1.0, threat * abs(a_i - a_j) * 0.5 * (1.0 - rivalry_discount))


@njit
def own_payoffs(p, c_i, c_j, rivalry, exposure, dual_use_j, opacity_j, w_i, w_int_i, bonus,
                security_multiplier, exploitation_multiplier, coop_cost=0.0):
    """One relation's own payoffs ``pi_i(C,C), pi_i(C,D), pi_i(D,C), pi_i(D,D)`` (the
    table in the module docstring)."""
    coop_gain, duplication_saving, security_cost, exploitation_cost, free_ride, spur, \
        prestige_gain, racing_cost, partner_prestige, third_party_cost = p
    c_min = min(c_i, c_j)
    benefit = coop_gain * c_j
    security = ((security_cost * rivalry * dual_use_j * opacity_j * c_min
                 + third_party_cost * exposure * c_i) * security_multiplier)
    comp = (spur + prestige_gain * w_i - racing_cost) * c_min
    prestige = partner_prestige * w_int_i * c_j
    alliance = coop_cost * c_j
    return (benefit + duplication_saving * c_min - security + prestige + bonus * c_j - alliance,
            prestige - security - exploitation_cost * c_min * exploitation_multiplier - alliance,
            free_ride * benefit + comp,
            comp)


@njit
def relative_payoffs(cc, cd, dc, dd, rho, rev, R, S, T, P):
    """R, S, T, P after relative gains, into those arrays: i's own payoff less ``rho``
    times the counterpart's (``rev[k]`` is the reverse of relation ``k``)."""
    for k in range(len(rev)):
        r = rev[k]
        R[k] = cc[k] - rho[k] * cc[r]
        S[k] = cd[k] - rho[k] * dc[r]
        T[k] = dc[k] - rho[k] * cd[r]
        P[k] = dd[k] - rho[k] * dd[r]


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
