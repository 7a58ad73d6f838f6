"""The year's metrics: one row of the model table per world (densities, roles, memberships,
game types)."""

from __future__ import annotations

import numpy as np

from sim._jit import njit
from sim.game.payoffs import count_game_types
from sim.outcome.rule import _modularity_kernel, year_roles


@njit
def _year_metrics_worlds(rows, t, mutual, actions, i, j, n, us, china, tie_threshold, align,
                         members, camp_members, side, c, alignment, racing, science, cross,
                         us_china, R, S, T, P, artemis, ilrs):
    """:func:`_year_metrics` for each world: fill ``rows[b, t]`` (world b's model table,
    year ``t``) and return the roles, (world, actor). Per-pair, per-relation, per-actor and
    membership arrays have the world axis first; the pairs ``i``, ``j``, ``cross`` and the
    US-China pair ``us_china`` are every world's."""
    E = mutual.shape[1]
    labels = np.empty(c.shape, dtype=np.int8)
    for b in range(len(rows)):
        counts = (count_game_types(R[b, :E], S[b, :E], T[b, :E], P[b, :E])
                  + count_game_types(R[b, E:], S[b, E:], T[b, E:], P[b, E:]))
        labels[b] = _year_metrics(
            rows[b, t], mutual[b], actions[b, :E], actions[b, E:], i, j, n, us, china,
            tie_threshold, align, members[b], camp_members[b], side, c[b], alignment[b],
            racing[b], science[b], cross, us_china, counts, 2 * E, artemis, ilrs)
    return labels


@njit
def _year_metrics(row, mutual, act_i, act_j, i, j, n, us, china, tie_threshold, align, members,
                  camp_members, side, c, alignment, racing, science, cross, us_china, counts,
                  n_relations, artemis, ilrs):
    """Fill one world's row of the model table (:data:`MODEL_COLUMNS`); return its roles
    (the camp rule of :mod:`sim.outcome.camps` on this year's moves; ``camp_members``: programme
    membership as the camp rule reads it, :func:`sim.outcome.agencies.camp_membership`)."""
    n_prog = members.shape[0]
    tie = mutual.astype(np.float64)
    in_w, in_e = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    for v in range(n):
        for p in range(n_prog):
            if camp_members[p, v] and side[p] > 0:
                in_w[v] = True
            if camp_members[p, v] and side[p] < 0:
                in_e[v] = True
    camp, labels = year_roles(tie, act_i.astype(np.float64), act_j.astype(np.float64), i, j, c,
                              alignment, in_w, in_e, us, china, tie_threshold, align)
    n_pairs = len(tie)
    ties, weighted, weight = 0.0, 0.0, 0.0
    for k in range(n_pairs):
        w = c[i[k]] * c[j[k]]
        ties += tie[k]
        weighted += tie[k] * w
        weight += w
    cross_ties = 0.0
    for k in cross:
        cross_ties += tie[k]
    row[0] = ties / n_pairs if n_pairs else 0.0
    row[1] = weighted / max(weight, 1e-12)
    row[2] = cross_ties / len(cross) if len(cross) else 0.0
    row[3] = _modularity_kernel(tie, i, j, camp.astype(np.int64))
    col = 4
    for r in range(5):
        row[col + r] = 0.0
    for v in range(n):
        row[col + labels[v]] += 1.0
    col += 5
    hedgers = 0.0
    for p in range(n_prog):
        row[col + p] = 0.0
    for v in range(n):
        for p in range(n_prog):
            row[col + p] += members[p, v]
        hedgers += members[artemis, v] and members[ilrs, v]
    col += n_prog
    row[col] = hedgers      # in both Artemis and ILRS: programme hedgers
    row[col + 1] = racing.sum()
    row[col + 2] = science.sum()
    row[col + 3] = c.sum()
    row[col + 4] = tie[us_china] if us_china >= 0 else 0.0
    col += 5
    for g in range(len(counts)):
        row[col + g] = counts[g] / max(n_relations, 1)
    return labels
