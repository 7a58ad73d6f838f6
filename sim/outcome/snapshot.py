"""One world as plain arrays: the input of the camps (:mod:`sim.outcome.camps`) and of the outcome
indices (:mod:`sim.outcome.indices`).

A :class:`WorldSnapshot` holds one world at one time, or averaged over a final window of
years. It knows nothing of the model: any run, table or hand-built test world can fill it.

Relations are undirected pairs ``(i[k], j[k])`` with ``i[k] != j[k]``; pairs that are not
listed do not relate (they are neither cooperating nor competing). For each pair:

* ``coop_ij[k]`` — share of the years in which ``i`` cooperated toward ``j`` (0..1);
* ``coop_ji[k]`` — the same from ``j`` toward ``i``;
* ``mutual[k]`` — share of the years in which *both* cooperated. For one year it is
  ``min(coop_ij, coop_ji)``, the default; over a window pass the true share (it can be
  lower than the minimum when the two cooperated in different years).

From these, the share of years in which both *competed* is exact by inclusion-exclusion:
``rivalry = 1 - coop_ij - coop_ji + mutual`` (:meth:`WorldSnapshot.rivalry`).

Programmes: ``members[p, v]`` is whether actor ``v`` is in programme ``p``;
``programme_side[p]`` is +1 for a programme of the west camp (led by ``west``, e.g.
Artemis), -1 for one of the east camp (led by ``east``, e.g. the ILRS), 0 for one that
belongs to no camp.

Agencies: ``agency_of[v]`` is the index of the agency (ESA) whose member state ``v`` is
(-1: none); an agency counts as in a programme when a capability-weighted majority of its
member states are (:func:`sim.outcome.agencies.camp_membership`).

Racing: ``racing[v]`` is the actor's racing spending and ``racing_max[v]`` the most it
could spend (the model's ``racing_cap * budget``), so ``racing / racing_max`` is how far
the actor has gone toward an all-out race (0..1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The space powers whose rivalry and spending make a race (the model's major powers).
SPACE_POWERS = ("US", "China", "Russia", "ESA")


def _bad(key: str, value, allowed: str) -> ValueError:
    return ValueError(f"WorldSnapshot.{key}: got {value}; {allowed}")


@dataclass(frozen=True, eq=False)
class WorldSnapshot:
    """One world (see the module docstring for the meaning of each field)."""

    names: tuple
    capability: np.ndarray          # (n,) >= 0
    alignment: np.ndarray           # (n,) in [-1, 1]: -1 east camp ... +1 west camp
    i: np.ndarray                   # (E,) int
    j: np.ndarray                   # (E,) int
    coop_ij: np.ndarray             # (E,) in [0, 1]
    coop_ji: np.ndarray             # (E,) in [0, 1]
    members: np.ndarray             # (P, n) bool
    programme_names: tuple
    programme_side: np.ndarray      # (P,) in {-1, 0, +1}
    racing: np.ndarray              # (n,) >= 0
    racing_max: np.ndarray          # (n,) > 0
    mutual: np.ndarray | None = None    # (E,) in [0, min(coop_ij, coop_ji)]; default the min
    west: str = "US"
    east: str = "China"
    space_powers: tuple = SPACE_POWERS
    agency_of: np.ndarray | None = None     # (n,) int: the agency v is a member state of (-1)
    check: bool = True              # validate the arrays (skip only for trusted callers)
    index: dict = field(init=False, repr=False)

    def __post_init__(self):
        f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
        put = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        put("names", tuple(self.names))
        put("programme_names", tuple(self.programme_names))
        put("space_powers", tuple(self.space_powers))
        for k in ("capability", "alignment", "coop_ij", "coop_ji", "racing", "racing_max",
                  "programme_side"):
            put(k, f64(getattr(self, k)))
        put("i", np.asarray(self.i, dtype=np.int64))
        put("j", np.asarray(self.j, dtype=np.int64))
        put("members", np.atleast_2d(np.asarray(self.members, dtype=bool)))
        if self.mutual is None:
            put("mutual", np.minimum(self.coop_ij, self.coop_ji))
        else:
            put("mutual", f64(self.mutual))
        put("index", {name: k for k, name in enumerate(self.names)})
        n = len(self.names)
        put("agency_of", np.full(n, -1, dtype=np.int64) if self.agency_of is None
            else np.asarray(self.agency_of, dtype=np.int64))
        if self.check:
            self._validate()

    # --- validation: one line naming the field, the bad value and what is allowed ----------

    def _validate(self) -> None:
        n, e, p = len(self.names), len(self.i), len(self.programme_names)
        if len(self.index) != n:
            raise _bad("names", "duplicate names", "names must be unique")
        for k in ("capability", "alignment", "racing", "racing_max"):
            if getattr(self, k).shape != (n,):
                raise _bad(k, f"shape {getattr(self, k).shape}", f"shape ({n},) (one per name)")
        for k in ("j", "coop_ij", "coop_ji", "mutual"):
            if getattr(self, k).shape != (e,):
                raise _bad(k, f"shape {getattr(self, k).shape}", f"shape ({e},) (one per pair)")
        if self.members.shape != (p, n):
            raise _bad("members", f"shape {self.members.shape}",
                       f"shape ({p}, {n}) (programmes x actors)")
        if self.programme_side.shape != (p,) or not np.isin(self.programme_side, (-1, 0, 1)).all():
            raise _bad("programme_side", self.programme_side.tolist(),
                       f"{p} values, each -1 (east camp), 0 (no camp) or +1 (west camp)")
        if e and (self.i.min() < 0 or self.j.min() < 0 or max(self.i.max(), self.j.max()) >= n):
            raise _bad("i/j", "an actor index out of range", f"indices 0..{n - 1}")
        if (self.i == self.j).any():
            raise _bad("i/j", f"a self-pair at {int(np.flatnonzero(self.i == self.j)[0])}",
                       "pairs of two different actors")
        key = np.minimum(self.i, self.j) * n + np.maximum(self.i, self.j)
        if e and np.bincount(key, minlength=1).max() > 1:
            raise _bad("i/j", "a repeated pair", "each unordered pair at most once")
        for k, lo, hi in (("capability", 0, np.inf), ("alignment", -1, 1), ("coop_ij", 0, 1),
                          ("coop_ji", 0, 1), ("mutual", 0, 1), ("racing", 0, np.inf)):
            a = getattr(self, k)
            bad = ~np.isfinite(a) | (a < lo) | (a > hi)
            if bad.any():
                raise _bad(k, float(a[bad][0]), f"finite values in [{lo}, {hi}]")
        if (self.mutual > np.minimum(self.coop_ij, self.coop_ji) + 1e-9).any():
            raise _bad("mutual", "a share above min(coop_ij, coop_ji)",
                       "both cooperated in at most as many years as each did")
        bad = ~np.isfinite(self.racing_max) | ~(self.racing_max > 0)
        if bad.any():
            raise _bad("racing_max", float(self.racing_max[bad][0]), "finite values > 0")
        for k in ("west", "east"):
            if getattr(self, k) not in self.index:
                raise _bad(k, repr(getattr(self, k)), "one of names")
        if self.west == self.east:
            raise _bad("east", repr(self.east), "an actor other than west")
        if self.agency_of.shape != (n,) or ((self.agency_of < -1) | (self.agency_of >= n)).any():
            raise _bad("agency_of", self.agency_of.tolist(), f"{n} actor indices or -1 (none)")
        missing = [s for s in self.space_powers if s not in self.index]
        if missing:
            raise _bad("space_powers", repr(missing[0]), "names of actors in names")

    # --- derived quantities --------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def w(self) -> int:
        """Index of the west leader."""
        return self.index[self.west]

    @property
    def e(self) -> int:
        """Index of the east leader."""
        return self.index[self.east]

    def rivalry(self) -> np.ndarray:
        """Share of the years in which both actors of each pair competed (0..1)."""
        return np.clip(1.0 - self.coop_ij - self.coop_ji + self.mutual, 0.0, 1.0)

    def in_camp_programmes(self) -> tuple[np.ndarray, np.ndarray]:
        """Whether each actor is in any west-camp / any east-camp programme (an agency by
        its member states' majority: :func:`sim.outcome.agencies.camp_membership`)."""
        from sim.outcome.agencies import camp_membership
        side = self.programme_side
        members = camp_membership(self.members, self.capability, self.agency_of)
        return (members[side > 0].any(axis=0), members[side < 0].any(axis=0))

    def pair(self, a: str, b: str) -> int | None:
        """Index of the pair of actors named ``a`` and ``b``, or None if they do not relate."""
        x, y = self.index[a], self.index[b]
        hit = np.flatnonzero(((self.i == x) & (self.j == y)) | ((self.i == y) & (self.j == x)))
        return int(hit[0]) if len(hit) else None

    def permuted(self, order) -> WorldSnapshot:
        """The same world with actor ``order[k]`` as the new actor ``k`` (for tests)."""
        order = np.asarray(order)
        new = np.empty_like(order)
        new[order] = np.arange(len(order))
        return WorldSnapshot(
            names=[self.names[k] for k in order], capability=self.capability[order],
            alignment=self.alignment[order], i=new[self.i], j=new[self.j], coop_ij=self.coop_ij,
            coop_ji=self.coop_ji, mutual=self.mutual, members=self.members[:, order],
            programme_names=self.programme_names, programme_side=self.programme_side,
            racing=self.racing[order], racing_max=self.racing_max[order], west=self.west,
            east=self.east, space_powers=self.space_powers,
            agency_of=np.where(self.agency_of >= 0, new[self.agency_of], -1)[order])

    @classmethod
    def from_matrix(cls, names, coop, related=None, **kw) -> WorldSnapshot:
        """A snapshot from a dense (n, n) matrix ``coop[a, b]`` = share of years a cooperated
        toward b. ``related`` (n, n bool, symmetric) says which pairs relate (default: all)."""
        coop = np.asarray(coop, dtype=np.float64)
        n = len(names)
        related = np.ones((n, n), dtype=bool) if related is None else np.asarray(related, bool)
        i, j = np.nonzero(np.triu(related | related.T, 1))
        mutual = kw.pop("mutual_matrix", None)
        if mutual is not None:
            kw["mutual"] = np.asarray(mutual, dtype=np.float64)[i, j]
        return cls(names=names, i=i, j=j, coop_ij=coop[i, j], coop_ji=coop[j, i], **kw)
