"""The outcome of a run, measured: the model's side of :mod:`sim.outcome.indices` and :mod:`sim.outcome.camps`.

Over the final ``window`` years of a world, every undirected pair has three shares: the
years in which ``i`` cooperated toward ``j`` (``coop_ij``), ``j`` toward ``i`` (``coop_ji``)
and both at once (``mutual``). With capability, alignment, programme membership and racing
at the end of the run they make a :class:`~sim.outcome.snapshot.WorldSnapshot`, from which

* each actor's **role** (:data:`ROLES`: ``non_aligned``, ``us_led``, ``china_led``,
  ``bridge``, ``hedger``; one word per meaning, see docs/OUTCOMES.md) and camp;
* three continuous **indices** in [0, 1]: ``bloc`` (Newman's assortativity of the camps
  against random mixing of the same degrees), ``race`` (mutual competition among the space
  powers times their racing spending), ``collaboration`` (cooperation across the US–China
  divide, the US–China pair itself a required part);
* the **class** (:data:`CLASSES`: collaboration, bloc, race, hedged, hegemony, ambiguous)
  by the rule of :func:`sim.outcome.indices.classify` with thresholds that are conventions
  (the midpoint 0.5 of each index, a simple majority of hedgers), fixed before any
  scenario was run through them and never tuned to what a scenario produces.

The model calls the numba kernels directly each year (:func:`year_roles`, a one-year
window) and :meth:`OutcomeRule.evaluate` once per run on the final window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.outcome.camps import ROLES, CampRule, assign_camps, camps_kernel
from sim.outcome.indices import CLASSES, INDICES, Thresholds, classify, compute
from sim.outcome.snapshot import WorldSnapshot

OUTCOMES = CLASSES
CAMPS = ROLES                       # kept for readers of the yearly tables: the roles
NON_ALIGNED, US_LED, CHINA_LED, BRIDGE, HEDGER = range(len(ROLES))

__all__ = ["CAMPS", "CLASSES", "INDICES", "OUTCOMES", "ROLES", "OutcomeRule", "modularity",
           "year_roles"]


@njit
def year_roles(mutual, coop_i, coop_j, i, j, c, alignment, in_w, in_e, w, e, tie, align):
    """Camps and roles of one world from one year's moves (a window of one year):
    ``mutual``, ``coop_i`` (i toward j), ``coop_j`` (j toward i) as 0/1 floats."""
    rivalry = 1.0 - coop_i - coop_j + mutual
    out = camps_kernel(i, j, mutual, rivalry, c, alignment, in_w, in_e, w, e, tie, align)
    return out[0], out[1]


def modularity(tie, i, j, labels) -> float:
    """Newman's modularity of the partition ``labels`` of the weighted graph (i, j, tie).

    ``Q = sum_c [L_c / m - (d_c / 2m)^2]``; equal to networkx's
    ``community.modularity`` (checked in the tests) at a fraction of its cost.
    """
    return _modularity_kernel(np.asarray(tie, dtype=np.float64), np.asarray(i, dtype=np.int64),
                              np.asarray(j, dtype=np.int64), np.asarray(labels, dtype=np.int64))


@njit
def _modularity_kernel(tie, i, j, labels):
    m = tie.sum()
    if m <= 0:
        return 0.0
    k = labels.max() + 1
    inside, degree = np.zeros(k), np.zeros(k)
    for e in range(len(tie)):
        if tie[e] == 0.0:
            continue        # adds nothing (the sums start at +0.0 and never become -0.0)
        la, lb = labels[i[e]], labels[j[e]]
        degree[la] += tie[e]
        degree[lb] += tie[e]
        if la == lb:
            inside[la] += tie[e]
    q = 0.0
    for c in range(k):
        q += inside[c] / m - (degree[c] / (2 * m)) ** 2
    return q


@dataclass(frozen=True)
class OutcomeRule:
    """How a run's outcome is read (``configs/outcome``; every threshold a convention,
    see docs/OUTCOMES.md)."""

    window: int
    tie_threshold: float            # camp rule: share of years of mutual cooperation that is a tie
    align: float                    # camp rule: alignment beyond this vetoes a tie-only camp
    thresholds: Thresholds

    @classmethod
    def from_config(cls, cfg: dict) -> OutcomeRule:
        return cls(int(cfg["window"]), float(cfg["tie_threshold"]), float(cfg["align"]),
                   Thresholds(**{k: float(cfg[k]) for k in ("bloc", "race", "collaboration",
                                                           "hedged")}))

    @property
    def camp_rule(self) -> CampRule:
        return CampRule(tie=self.tie_threshold, align=self.align)

    def evaluate(self, snap: WorldSnapshot) -> dict:
        """Indices, class, roles and network metrics of one world's final window."""
        camps = assign_camps(snap, self.camp_rule)
        ind = compute(snap, self.camp_rule, camps)
        tie = (snap.mutual >= self.tie_threshold).astype(float)
        w = snap.capability[snap.i] * snap.capability[snap.j]
        total = float(w.sum())
        out = {"outcome": classify(ind, self.thresholds), **ind.as_row(),
               "density": float(tie.mean()) if len(tie) else 0.0,
               "weighted_density": float(tie @ w / total) if total > 0 else 0.0,
               "mean_mutual": float(snap.mutual.mean()) if len(tie) else 0.0,
               "modularity": modularity(tie, snap.i, snap.j, camps.camp),
               "labels": camps.role.astype(np.int64),
               "camp_labels": camps.camp.astype(np.int64)}
        return out
