"""The year's metrics: one row of the model table per world (densities, roles, memberships,
game types)."""

from __future__ import annotations

import numpy as np

from sim._jit import njit
from sim.game.payoffs import count_game_types
from sim.outcome.rule import _modularity_kernel, year_roles


@njit
def _year_metrics_worlds(rows, mutual, actions, i_local, j_local, n, pair_offset, us, china,
                         tie_threshold, align, members, camp_members, side, c, alignment, racing,
                         science, cross_all, cross_offset, us_china, R, S, T, P, artemis, ilrs):
    """Fill each world's row of the model table (``rows[b]``); return the roles
    (:data:`sim.outcome.rule.CAMPS` codes) of all actors.
    World b's actors are ``b*n ... (b+1)*n - 1``, its pairs
    ``pair_offset[b] ...`` (their reverses ``E`` later)."""
    e_total = pair_offset[-1]
    labels = np.empty(len(c), dtype=np.int8)
    for b in range(len(rows)):
        lo, hi, a0, a1 = pair_offset[b], pair_offset[b + 1], b * n, (b + 1) * n
        counts = (count_game_types(R[lo:hi], S[lo:hi], T[lo:hi], P[lo:hi])
                  + count_game_types(R[e_total + lo:e_total + hi], S[e_total + lo:e_total + hi],
                                     T[e_total + lo:e_total + hi], P[e_total + lo:e_total + hi]))
        labels[a0:a1] = _year_metrics(
            rows[b], mutual[lo:hi], actions[lo:hi], actions[e_total + lo:e_total + hi],
            i_local[lo:hi], j_local[lo:hi], n, us, china, tie_threshold, align,
            members[:, a0:a1], camp_members[:, a0:a1], side, c[a0:a1], alignment[a0:a1],
            racing[a0:a1], science[a0:a1], cross_all[cross_offset[b]:cross_offset[b + 1]],
            us_china[b], counts, 2 * (hi - lo), artemis, ilrs)
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
