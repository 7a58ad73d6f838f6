"""Camps, modularity and the outcome of a run: collaboration, bloc or race.

The cooperation network has the model's relations as possible edges; an edge carries
the share of years in which the pair cooperated *mutually*. Over the final
``window`` years a pair is tied when that share is at least ``tie_threshold``.

**Camps** (anchored propagation): the US anchors the US-led camp and China the
China-led camp. Repeatedly, each other actor counts its ties into each camp; it joins a
*hedger* when it has ties to both camps and each side's ties are at least
``hedge_ratio`` times the other's; otherwise it joins the camp it has more ties to; with
none it is *nonaligned*. Hedgers and nonaligned actors do not pull others in.
Programme membership counts too: being in any US-led programme (Artemis, ISS) adds
``programme_tie`` ties to the US-led camp, being in any China-led one (ILRS, Tiangong)
to the China-led camp — joining a camp's programmes is part of joining the camp.

**Outcome** (checked in this order; thresholds in ``configs/outcome``):

1. ``collaboration`` — the major powers cooperate across the US–China divide: the share
   of tied pairs between ``west`` and ``east`` majors is at least
   ``collaboration_cross_share``;
2. ``race`` — little cooperation at all: the capability-weighted density of ties
   (each relation weighted by ``c_i * c_j``, so the space powers' relations with each
   other count most) is below ``race_density``;
3. ``bloc`` — two cooperating camps whose leaders compete: both camps have at least
   ``min_camp_size`` members and each camp's *cohesion* (capability-weighted density of
   ties among its members) is at least ``min_camp_cohesion``. (The weighted density of
   ties *between* the camps is reported as ``between_camps``; it does not decide.)
4. otherwise ``race`` (the powers do not cooperate across the divide, and there are not
   two cohesive camps: someone is left racing alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit

OUTCOMES = ("collaboration", "bloc", "race")
CAMPS = ("nonaligned", "us_led", "china_led", "hedging")
NONALIGNED, US_LED, CHINA_LED, HEDGING = range(4)


def camps(tie, i, j, n, us, china, hedge_ratio, extra_a=0.0, extra_b=0.0,
          iterations=4) -> np.ndarray:
    """Camp label of every actor (codes into :data:`CAMPS`) from weighted ties (i, j, tie).

    ``extra_a`` / ``extra_b`` are per-actor ties to each camp from outside the network
    (the model passes programme memberships: a US-led programme counts as a tie to the
    US-led camp, a China-led one to the China-led camp).
    """
    extra_a = np.broadcast_to(np.asarray(extra_a, dtype=np.float64), (n,)).copy()
    extra_b = np.broadcast_to(np.asarray(extra_b, dtype=np.float64), (n,)).copy()
    return _camps_kernel(np.asarray(tie, dtype=np.float64), np.asarray(i, dtype=np.int64),
                         np.asarray(j, dtype=np.int64), n, us, china, float(hedge_ratio),
                         extra_a, extra_b, iterations)


@njit
def _camps_kernel(tie, i, j, n, us, china, hedge_ratio, extra_a, extra_b, iterations):
    label = np.zeros(n, dtype=np.int8)
    label[us], label[china] = US_LED, CHINA_LED
    score = np.zeros((len(CAMPS), n))     # ties into each camp (rows 1 and 2 are used)
    for _ in range(iterations):
        score[US_LED] = extra_a
        score[CHINA_LED] = extra_b
        for k in range(len(tie)):           # no branches on the labels: each tie goes to
            a, b, w = i[k], j[k], tie[k]    # its camp's row (same sums, in the same order)
            score[label[b], a] += w
            score[label[a], b] += w
        new = np.full(n, NONALIGNED, dtype=np.int8)
        changed = False
        for v in range(n):
            sa, sb = score[US_LED, v], score[CHINA_LED, v]
            if v == us:
                new[v] = US_LED
            elif v == china:
                new[v] = CHINA_LED
            elif sa > 0 and sb > 0 and sa >= hedge_ratio * sb and sb >= hedge_ratio * sa:
                new[v] = HEDGING
            elif sa > sb:
                new[v] = US_LED
            elif sb > sa:
                new[v] = CHINA_LED
            changed = changed or new[v] != label[v]
        label = new
        if not changed:
            break
    return label


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
        la, lb = labels[i[e]], labels[j[e]]
        degree[la] += tie[e]
        degree[lb] += tie[e]
        if la == lb:
            inside[la] += tie[e]
    q = 0.0
    for c in range(k):
        q += inside[c] / m - (degree[c] / (2 * m)) ** 2
    return q


def _weighted_share(tie, weight, mask) -> float:
    total = float(weight[mask].sum())
    return float(np.dot(tie[mask], weight[mask]) / total) if total > 0 else 0.0


@dataclass(frozen=True)
class OutcomeRule:
    window: int
    tie_threshold: float
    collaboration_cross_share: float
    race_density: float
    min_camp_size: int
    min_camp_cohesion: float
    hedge_ratio: float
    programme_tie: float

    @classmethod
    def from_config(cls, cfg: dict) -> OutcomeRule:
        return cls(**{f: cfg[f] for f in cls.__dataclass_fields__})

    def classify(self, density: float, cross_share: float, camp_sizes, cohesion_a: float,
                 cohesion_b: float) -> str:
        """The outcome from the final-window metrics (the order in the module docstring)."""
        if cross_share >= self.collaboration_cross_share:
            return "collaboration"
        if density < self.race_density:
            return "race"
        if (min(camp_sizes[US_LED], camp_sizes[CHINA_LED]) >= self.min_camp_size
                and min(cohesion_a, cohesion_b) >= self.min_camp_cohesion):
            return "bloc"
        return "race"

    def evaluate(self, mutual_share, i, j, n, us, china, cross_pairs, weight,
                 extra_a=0.0, extra_b=0.0) -> dict:
        """Outcome and network metrics from each pair's share of mutually cooperative years.

        ``weight`` is each relation's weight in the weighted density (``c_i * c_j``).
        """
        tie = (mutual_share >= self.tie_threshold).astype(float)
        labels = camps(tie, i, j, n, us, china, self.hedge_ratio,
                       self.programme_tie * extra_a, self.programme_tie * extra_b)
        sizes = np.bincount(labels, minlength=len(CAMPS))
        density = float(tie.mean()) if len(tie) else 0.0
        total = float(np.sum(weight))
        weighted = float(np.dot(tie, weight) / total) if total > 0 else 0.0
        cross = float(tie[cross_pairs].mean()) if len(cross_pairs) else 0.0
        q = modularity(tie, i, j, labels)
        in_a, in_b = labels == US_LED, labels == CHINA_LED
        cohesion_a = _weighted_share(tie, weight, in_a[i] & in_a[j])
        cohesion_b = _weighted_share(tie, weight, in_b[i] & in_b[j])
        between = _weighted_share(tie, weight, (in_a[i] & in_b[j]) | (in_b[i] & in_a[j]))
        outcome = self.classify(weighted, cross, sizes, cohesion_a, cohesion_b)
        return {"outcome": outcome, "density": density, "weighted_density": weighted,
                "cohesion_us_led": cohesion_a, "cohesion_china_led": cohesion_b,
                "between_camps": between,
                "cross_divide": cross, "modularity": q, "labels": labels,
                **{f"camp_{c}": int(s) for c, s in zip(CAMPS, sizes)}}
