"""Camps and roles: who belongs to the US-led camp, who to the China-led camp, who links
them and who stays out — from signed ties, programme membership and alignment together.

Sources for the roles: 003 ("two blocs: one led by the U.S. and one led by China") gives
the two camps and their leaders (``WorldSnapshot.west`` / ``east``); 002 ("Europe and
Canada, America's oldest and closest friends ... can engage more closely with China")
gives the *bridge*; 002 ("China and friends operating one station and the US and
partners operating another"; "two separate highways") gives programme membership as
camp membership; 003 ("Perhaps Russia will choose to work with China, as well as with the
U.S.-led multinational effort") gives the *hedger*; most states in 2021 are in no
programme and have no space ties to either leader: *non-aligned*.

**Evidence** for actor ``v`` (pairs that do not relate count neither way):

* programmes: ``in_W`` / ``in_E`` — member of any west-camp / east-camp programme;
* each camp's *core*: its leader plus the members of that camp's programmes only (not of
  both camps') that cooperate with the leader in at least ``tie`` of the years;
* ``coop_X(v)`` — share of years of mutual cooperation with camp X's core, as a
  capability-weighted mean over v's relations with core members (so the leader, the
  biggest core member, counts most); ``rivalry_X(v)`` the same for mutual competition.
  Their difference is v's *signed tie* to the camp (-1 ... +1);
* ``strong_X(v)`` — ``coop_X(v) >= tie`` (0.5: cooperation in a simple majority of the
  years, the same convention as the old tie threshold of 3 years in 5);
* alignment: an actor beyond the midpoint on the other side (``alignment <= -align`` for
  the west camp, ``>= align`` for the east camp; ``align`` = 0.5, the midpoint between
  indifference and the camp's anchor) cannot join a camp by ties alone.

**Camp** (``NO_CAMP``, ``WEST``, ``EAST``), in this order:

1. the leaders are in their own camps;
2. a member of both camps' programmes is in no camp (its role is *hedger*);
   (an agency — ESA — counts as a member of a programme when a capability-weighted
   majority of its member states are: :func:`camp_membership`);
3. a member of one camp's programmes only is in that camp unless its signed tie to the
   camp is negative (more years of mutual competition than of mutual cooperation with the
   core: a membership on paper, contradicted by what the actor does);
4. otherwise by ties: in camp X if ``strong_X`` and alignment allows X, and not also
   ``strong_Y`` with alignment allowing Y (cooperating with both cores, an actor whose
   alignment is within the midpoints belongs to neither);
5. otherwise no camp.

**Role** (one word per meaning; codes in :data:`ROLES`):

* ``us_led`` / ``china_led`` — in the west / east camp (the camp of ``west`` / ``east``,
  the US and China by default) and not a bridge; the leaders always;
* ``bridge`` — in one camp and cooperating substantially (``strong``) with the other
  camp's core: a link between the camps that keeps its own side (002's Europe and Canada);
* ``hedger`` — member of both camps' programmes (the model's ``programme_hedgers``);
* ``non_aligned`` — in no camp: in no camp programme (or only on paper) and not tied to
  one camp more than the other. (The old camp label "hedging", for balanced ties, has no
  counterpart: balanced cooperation is *bridge* for a camp member, *non_aligned* for a
  state in no camp.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.outcome.snapshot import WorldSnapshot

CAMP_NAMES = ("no_camp", "west", "east")
NO_CAMP, WEST, EAST = range(3)
ROLES = ("non_aligned", "us_led", "china_led", "bridge", "hedger")
NON_ALIGNED, US_LED, CHINA_LED, BRIDGE, HEDGER = range(5)


@dataclass(frozen=True)
class CampRule:
    """Thresholds of the camp rule (conventions, fixed in advance; see the module docstring)."""

    tie: float = 0.5        # share of years of mutual cooperation that is substantial (majority)
    align: float = 0.5      # alignment beyond this midpoint on the other side vetoes a tie-only camp

    def __post_init__(self):
        for k in ("tie", "align"):
            v = getattr(self, k)
            if not 0.0 < v <= 1.0:
                raise ValueError(f"CampRule.{k}: got {v}; a number in (0, 1]")


@dataclass(frozen=True, eq=False)
class Camps:
    """Each actor's camp (:data:`CAMP_NAMES` codes), role (:data:`ROLES` codes) and the
    evidence they were read from."""

    camp: np.ndarray
    role: np.ndarray
    coop_west: np.ndarray
    coop_east: np.ndarray
    rivalry_west: np.ndarray
    rivalry_east: np.ndarray
    core_west: np.ndarray
    core_east: np.ndarray

    def roles_by_name(self, names) -> dict[str, str]:
        return {name: ROLES[r] for name, r in zip(names, self.role)}

    def role_counts(self) -> dict[str, int]:
        counts = np.bincount(self.role, minlength=len(ROLES))
        return {name: int(c) for name, c in zip(ROLES, counts)}


@njit
def camps_kernel(i, j, mutual, rivalry, capability, alignment, in_w, in_e, w, e, tie, align):
    """The camp rule on plain arrays (numba; callable from the model's compiled loops).

    Returns (camp, role, coop_west, coop_east, rivalry_west, rivalry_east, core_west,
    core_east) as in :class:`Camps`."""
    n, m = len(capability), len(i)
    lead_w, lead_e = np.zeros(n), np.zeros(n)       # mutual share with each leader
    for k in range(m):
        a, b = i[k], j[k]
        if a == w:
            lead_w[b] = mutual[k]
        elif b == w:
            lead_w[a] = mutual[k]
        if a == e:
            lead_e[b] = mutual[k]
        elif b == e:
            lead_e[a] = mutual[k]
    core_w, core_e = np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    for v in range(n):
        core_w[v] = in_w[v] and not in_e[v] and lead_w[v] >= tie
        core_e[v] = in_e[v] and not in_w[v] and lead_e[v] >= tie
    core_w[w], core_w[e], core_e[w], core_e[e] = True, False, False, True

    # capability-weighted means over each actor's relations with core members
    # (all-zero capabilities: equal weights)
    sums = np.zeros((6, n))     # den_w, coop_w, riv_w, den_e, coop_e, riv_e
    for k in range(m):
        a, b = i[k], j[k]
        for v, u in ((a, b), (b, a)):
            wt = max(capability[u], 1e-12)
            if core_w[u]:
                sums[0, v] += wt
                sums[1, v] += wt * mutual[k]
                sums[2, v] += wt * rivalry[k]
            if core_e[u]:
                sums[3, v] += wt
                sums[4, v] += wt * mutual[k]
                sums[5, v] += wt * rivalry[k]
    coop_w, riv_w, coop_e, riv_e = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    camp = np.zeros(n, dtype=np.int8)
    role = np.zeros(n, dtype=np.int8)
    for v in range(n):
        if sums[0, v] > 0:
            coop_w[v], riv_w[v] = sums[1, v] / sums[0, v], sums[2, v] / sums[0, v]
        if sums[3, v] > 0:
            coop_e[v], riv_e[v] = sums[4, v] / sums[3, v], sums[5, v] / sums[3, v]
        strong_w, strong_e = coop_w[v] >= tie, coop_e[v] >= tie
        hedger = in_w[v] and in_e[v]
        prog_w = in_w[v] and not in_e[v] and coop_w[v] >= riv_w[v]
        prog_e = in_e[v] and not in_w[v] and coop_e[v] >= riv_e[v]
        tie_w = strong_w and alignment[v] > -align
        tie_e = strong_e and alignment[v] < align
        if v == w or prog_w or (not hedger and not prog_e and tie_w and not tie_e):
            camp[v] = WEST
        elif v == e or prog_e or (not hedger and not prog_w and tie_e and not tie_w):
            camp[v] = EAST
        if v == w:
            role[v] = US_LED
        elif v == e:
            role[v] = CHINA_LED
        elif hedger:
            role[v] = HEDGER
        elif (camp[v] == WEST and strong_e) or (camp[v] == EAST and strong_w):
            role[v] = BRIDGE
        else:
            role[v] = camp[v]           # WEST -> US_LED, EAST -> CHINA_LED, none -> NON_ALIGNED
    return camp, role, coop_w, coop_e, riv_w, riv_e, core_w, core_e


def assign_camps(snap: WorldSnapshot, rule: CampRule = CampRule()) -> Camps:
    """Camps and roles of every actor of ``snap`` (the rule is in the module docstring)."""
    in_w, in_e = snap.in_camp_programmes()
    return Camps(*camps_kernel(snap.i, snap.j, snap.mutual, snap.rivalry(), snap.capability,
                               snap.alignment, in_w, in_e, snap.w, snap.e, float(rule.tie),
                               float(rule.align)))
