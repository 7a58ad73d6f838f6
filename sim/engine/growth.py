"""Capability growth: the yearly growth kernel (capability, budget, prestige, alignment)
and the partner sums it reads."""

from __future__ import annotations

import numpy as np

from sim._jit import njit

#: bound on capability, budget and prestige (about 1e12 times the US's 2021 capability)
CEILING = 1e12


@njit
def _partner_sums(i, j, n, c, alignment, mutual):
    """Per actor, over its mutually cooperating partners: the shared science
    (sum of min(c_i, c_j)), the partners' capability, and their capability-weighted
    alignment. Each sum runs over the i-side then the j-side of the pairs, like
    ``bincount(i, .) + bincount(j, .)``."""
    s_i, s_j = np.zeros(n), np.zeros(n)
    p_i, p_j = np.zeros(n), np.zeros(n)
    a_i, a_j = np.zeros(n), np.zeros(n)
    for k in range(len(i)):
        if mutual[k]:
            x, y = i[k], j[k]
            shared = min(c[x], c[y])
            s_i[x] += shared
            s_j[y] += shared
            p_i[x] += c[y]
            p_j[y] += c[x]
            a_i[x] += c[y] * alignment[y]
            a_j[y] += c[x] * alignment[x]
    return s_i + s_j, p_i + p_j, a_i + a_j


@njit
def _grow_worlds(i, j, mutual, c, budget, racing, prestige, alignment, prestige_domestic,
                 prestige_international, growth, anchors, productivity):
    """:func:`_grow_kernel` for each world (the leading axis of the per-actor and per-pair
    arrays; ``i``, ``j``, ``growth`` and ``anchors`` are shared)."""
    B, n = c.shape
    science, capability = np.empty((B, n)), np.empty((B, n))
    new_budget, new_prestige = np.empty((B, n)), np.empty((B, n))
    new_alignment, target = np.empty((B, n)), np.empty((B, n))
    for b in range(B):
        (science[b], capability[b], new_budget[b], new_prestige[b], new_alignment[b],
         target[b]) = _grow_kernel(i, j, mutual[b], c[b], budget[b], racing[b], prestige[b],
                                   alignment[b], prestige_domestic[b], prestige_international[b],
                                   growth, anchors, productivity[b])
    return science, capability, new_budget, new_prestige, new_alignment, target


@njit
def _grow_kernel(i, j, mutual, c, budget, racing, prestige, alignment, prestige_domestic,
                 prestige_international, growth, anchors, productivity):
    """One year of growth (see ``configs/dynamics``), for every actor:

    * science = c (1 - racing share) + science_sharing * c S / (c + S), S = sum over mutual
      partners of min(c_i, c_j) (the science cooperation realises, saturating at the actor's
      own capability: absorptive capacity; the stage game's ``coop_gain`` is what actors
      expect from it, a separate number, so raising the expectation does not also speed up
      growth);
    * capability is a stock the budget builds (perpetual inventory): capability =
      max(0, c (1 - capability_depreciation) + productivity * budget * (1 + race_spur *
      racing share) + science_learning * (science - c)). Racing spends budget (it buys
      capability at a premium, ``race_spur``, bounded by ``racing_cap``) rather than
      compounding capability from nothing; ``productivity`` (capability per unit of budget,
      fixed per actor by :func:`budget_productivity`) puts every actor's start on its
      balanced path, so without a cause standings follow budgets;
    * budget grows by budget_growth; prestige decays by prestige_decay and gains
      prestige_gain * w_dom * racing share + partner_prestige * w_int * partners' capability;
    * alignment drifts by alignment_drift toward the capability-weighted alignment of the
      mutual partners (the camp anchors hold their positions), within [-1, 1];
    * capability, budget and prestige stay within +-:data:`CEILING` (no plausible run comes
      near it; with every parameter's declared bound it keeps the arithmetic finite).
    """
    (depreciation, science_learning, race_spur, budget_growth, prestige_decay, alignment_drift,
     science_sharing, prestige_gain, partner_prestige) = growth
    n = len(c)
    shared, partners_c, pull = _partner_sums(i, j, n, c, alignment, mutual)
    science, capability = np.empty(n), np.empty(n)
    new_budget, new_prestige = np.empty(n), np.empty(n)
    target, new_alignment = np.empty(n), np.empty(n)
    for v in range(n):
        share = racing[v] / budget[v] if budget[v] > 0 else 0.0
        # partners' science saturates at the actor's own capability (absorptive
        # capacity): c S / (c + S) <= c, so many small partners cannot lift a middling
        # power past a larger one, and the yearly gain from cooperation is bounded
        absorbed = c[v] * shared[v] / (c[v] + shared[v]) if c[v] + shared[v] > 0 else 0.0
        science[v] = c[v] * (1.0 - share) + science_sharing * absorbed
        built = productivity[v] * budget[v] * (1.0 + race_spur * share)
        capability[v] = min(CEILING, max(0.0, c[v] * (1.0 - depreciation) + built
                                         + science_learning * (science[v] - c[v])))
        new_budget[v] = min(CEILING, budget[v] * (1.0 + budget_growth))
        new_prestige[v] = min(CEILING, max(-CEILING, (
            prestige[v] * (1.0 - prestige_decay) + prestige_gain * prestige_domestic[v] * share
            + partner_prestige * prestige_international[v] * partners_c[v])))
        target[v] = pull[v] / partners_c[v] if partners_c[v] > 0 else alignment[v]
        drift = 0.0 if anchors[v] else alignment_drift * (target[v] - alignment[v])
        new_alignment[v] = min(1.0, max(-1.0, alignment[v] + drift))
    return science, capability, new_budget, new_prestige, new_alignment, target


def budget_productivity(capability, budget, dyn) -> np.ndarray:
    """Capability a unit of budget builds a year, per actor: the value that keeps the start
    on the balanced path (without cooperation, at the initial racing share, capability grows
    with the budget, ``budget_growth``), i.e. ``c0 (depreciation + budget_growth +
    science_learning s0) / (b0 (1 + race_spur s0))``; 0 without a budget. It is the actor's
    start-year capability per budget dollar (legacy infrastructure, costs, purchasing power),
    taken as a fixed trait: standings then change only through budgets, racing spending and
    cooperation (see :func:`_grow_kernel`)."""
    s0 = dyn["initial_racing_share"]
    rate = dyn["capability_depreciation"] + dyn["budget_growth"] + dyn["science_learning"] * s0
    scale = budget * (1.0 + dyn["race_spur"] * s0)
    with np.errstate(over="ignore"):        # a vanishing budget: capped at CEILING
        p = capability * rate / np.where(scale > 0, scale, 1.0)
    return np.where(scale > 0, np.minimum(p, CEILING), 0.0)
