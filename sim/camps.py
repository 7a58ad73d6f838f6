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

from sim.snapshot import WorldSnapshot

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


def _with(leader: int, i, j, x, n) -> np.ndarray:
    """Per actor: ``x`` of its pair with ``leader`` (0 where the pair does not relate)."""
    out = np.zeros(n)
    hit = i == leader
    out[j[hit]] = x[hit]
    hit = j == leader
    out[i[hit]] = x[hit]
    return out


def _toward(core, weight, i, j, xs, n):
    """Per actor: weighted means of each pair share in ``xs`` over its relations with
    members of ``core`` (weights: the member's ``weight``); 0 with no such relation."""
    wi = np.where(core[j], weight[j], 0.0)      # i's partner j is a core member
    wj = np.where(core[i], weight[i], 0.0)
    den = np.bincount(i, wi, n) + np.bincount(j, wj, n)
    safe = np.where(den > 0, den, 1.0)
    return [np.where(den > 0, (np.bincount(i, wi * x, n) + np.bincount(j, wj * x, n)) / safe,
                     0.0) for x in xs]


def assign_camps(snap: WorldSnapshot, rule: CampRule = CampRule()) -> Camps:
    """Camps and roles of every actor of ``snap`` (the rule is in the module docstring)."""
    n, i, j = snap.n, snap.i, snap.j
    w, e = snap.w, snap.e
    mutual, rivalry = snap.mutual, snap.rivalry()
    in_w, in_e = snap.in_camp_programmes()
    hedger = in_w & in_e

    core_w = in_w & ~in_e & (_with(w, i, j, mutual, n) >= rule.tie)
    core_e = in_e & ~in_w & (_with(e, i, j, mutual, n) >= rule.tie)
    core_w[[w, e]] = True, False
    core_e[[w, e]] = False, True
    weight = np.maximum(snap.capability, 1e-12)     # all-zero capabilities: equal weights
    coop_w, riv_w = _toward(core_w, weight, i, j, (mutual, rivalry), n)
    coop_e, riv_e = _toward(core_e, weight, i, j, (mutual, rivalry), n)

    strong_w, strong_e = coop_w >= rule.tie, coop_e >= rule.tie
    prog_w = in_w & ~in_e & (coop_w >= riv_w)
    prog_e = in_e & ~in_w & (coop_e >= riv_e)
    by_ties = ~hedger & ~prog_w & ~prog_e
    tie_w = strong_w & (snap.alignment > -rule.align)
    tie_e = strong_e & (snap.alignment < rule.align)
    camp = np.full(n, NO_CAMP, dtype=np.int8)
    camp[prog_w | (by_ties & tie_w & ~tie_e)] = WEST
    camp[prog_e | (by_ties & tie_e & ~tie_w)] = EAST
    camp[[w, e]] = WEST, EAST

    role = camp.copy()                      # WEST -> US_LED, EAST -> CHINA_LED by the codes
    role[((camp == WEST) & strong_e) | ((camp == EAST) & strong_w)] = BRIDGE
    role[hedger] = HEDGER
    role[[w, e]] = US_LED, CHINA_LED
    return Camps(camp=camp, role=role, coop_west=coop_w, coop_east=coop_e, rivalry_west=riv_w,
                 rivalry_east=riv_e, core_west=core_w, core_east=core_e)
