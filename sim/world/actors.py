"""The world's actors as arrays: the named powers from the documents plus a generated
rest of the world, and the relations (pairs of actors that matter to each other).

Attributes live in one :class:`ActorState` of numpy arrays indexed by actor; the Mesa
agents (:mod:`sim.mesa.agents`) are views onto it, so the model's arithmetic runs over all
actors at once while ``model.agents`` stays the interface to each actor.

The world axis: a model runs B worlds side by side (one per seed; one world is B = 1).
An attribute that can differ between worlds (drawn, or evolving) is a ``(B, n)`` array,
world first; what every world shares (an actor's kind, region, ties; the relations) is
one world's ``(n,)`` array. Code written for one world indexes the actor axis last
(``x[..., k]``), so it reads the same whatever B is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

#: Attributes every actor has, set from config (named) or drawn (generated).
DRAWN = ("capability", "budget", "alignment", "transparency", "dual_use",
         "prestige_domestic", "prestige_international", "relative_gains", "failure_tolerance")
SCALAR = ("reaction", "fatigue", "future_weight")
KINDS = ("major", "named", "generated", "state")
#: attributes that can differ between worlds: (B, n) arrays
PER_WORLD = DRAWN + SCALAR + ("racing", "prestige", "science")


@dataclass
class ActorState:
    """Per-actor arrays. Static attributes come from config; the rest evolve yearly.
    :data:`PER_WORLD` attributes are ``(B, n)`` once :meth:`stack` has put the worlds
    side by side (``(n,)`` for the one world a builder returns); the rest are ``(n,)``."""

    names: list[str]
    kind: np.ndarray                 # 0 major, 1 named, 2 generated, 3 a state of data/states.csv
    un_member: np.ndarray
    capability: np.ndarray
    budget: np.ndarray
    alignment: np.ndarray
    transparency: np.ndarray
    dual_use: np.ndarray
    prestige_domestic: np.ndarray
    prestige_international: np.ndarray
    relative_gains: np.ndarray
    failure_tolerance: np.ndarray
    reaction: np.ndarray
    fatigue: np.ndarray
    future_weight: np.ndarray
    racing: np.ndarray = field(default=None)     # racing spending, billion USD / yr
    prestige: np.ndarray = field(default=None)   # accumulated prestige (index)
    science: np.ndarray = field(default=None)    # science output this year (capability units)
    iso3: np.ndarray = field(default=None)       # ISO code of the actor's row ('' if none)
    region: np.ndarray = field(default=None)     # UN sub-region index (-1: none)
    tie_west: np.ndarray = field(default=None)   # 1: a tie to the US-led camp (treaty ally, MNNA)
    tie_east: np.ndarray = field(default=None)   # 1: a tie to the China-led camp (BRI MoU, APSCO)
    china_partner: np.ndarray = field(default=None)    # known space agreement with China
    china_candidate: np.ndarray = field(default=None)  # BRI MoU and a space agency
    gdp: np.ndarray = field(default=None)        # GDP 2021, billion USD (0: unknown)

    def __post_init__(self):
        n = len(self.kind)
        for f, v in (("iso3", ""), ("region", -1), ("tie_west", 0.0), ("tie_east", 0.0),
                     ("china_partner", False), ("china_candidate", False), ("gdp", 0.0)):
            if getattr(self, f) is None:
                setattr(self, f, np.full(n, v, dtype=object if f == "iso3" else None))

    @property
    def n(self) -> int:
        """Number of actors (in one world)."""
        return len(self.kind)

    @classmethod
    def stack(cls, worlds: list[ActorState]) -> ActorState:
        """Several worlds' actors in one state with a leading world axis: the
        :data:`PER_WORLD` attributes become ``(B, n)``; the rest are the first world's
        (every world has the same actors, kinds, regions and ties)."""
        first = worlds[0]
        arrays = {f: (np.stack([getattr(w, f) for w in worlds]) if f in PER_WORLD
                      else getattr(first, f))
                  for f in cls.__dataclass_fields__ if f != "names"}
        return cls(names=first.names, **arrays)

    def index(self) -> dict[str, int]:
        return {name: k for k, name in enumerate(self.names)}


def draw(dist: dict, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` values from a configured distribution (see ``DistConfig``)."""
    lo, hi = float(dist["low"]), float(dist["high"])
    match dist["kind"]:
        case "beta":
            return lo + (hi - lo) * rng.beta(dist["a"], dist["b"], size)
        case "lognormal":
            return np.clip(rng.lognormal(dist["a"], dist["b"], size), lo, hi)
        case "uniform":
            return rng.uniform(lo, hi, size)
        case other:
            raise ValueError(f"unknown distribution kind {other!r}")


def build_actors(cfg: dict, rng: np.random.Generator) -> ActorState:
    """Named actors in config order, then the rest of the world: the UN member states of
    ``data/states.csv`` (``rest_of_world.source: states``, see :mod:`sim.world.world_states`)
    or ``rest_of_world.count`` generated states (``source: synthetic``)."""
    named = cfg["actors"]
    row = cfg["world"]["rest_of_world"]
    if row.get("source", "synthetic") == "states":
        from sim.world.world_states import build_state_actors
        return build_state_actors(cfg, DRAWN, SCALAR, ActorState)
    n_gen = int(row["count"])
    names = list(named) + [f"state_{k + 1:03d}" for k in range(n_gen)]
    cols = {}
    for attr in DRAWN:
        given = np.array([float(a[attr]) for a in named.values()])
        # one draw per attribute, in a fixed order, so results depend only on the seed
        cols[attr] = np.concatenate([given, draw(row[attr], n_gen, rng)])
    for attr in SCALAR:
        given = np.array([float(a[attr]) for a in named.values()])
        cols[attr] = np.concatenate([given, np.full(n_gen, float(row[attr]))])
    kind = np.array([0 if a["major"] else 1 for a in named.values()] + [2] * n_gen, dtype=np.int8)
    un = np.array([bool(a["un_member"]) for a in named.values()] + [True] * n_gen)
    n = len(names)
    return ActorState(names=names, kind=kind, un_member=un, racing=np.zeros(n),
                      prestige=np.zeros(n), science=np.zeros(n), **cols)


@dataclass(eq=False)
class Relations:
    """One world's undirected pairs ``(i[k], j[k])``, k < E, and their 2E directed relations.

    Directed relation ``k`` is ``src[k] -> dst[k]``; ``k < E`` runs i -> j and
    ``k + E`` runs j -> i, so the reverse of relation ``k`` is ``rev[k] = (k + E) % 2E``.
    Worlds side by side share their relations: per-relation state is ``(B, 2E)``.
    """

    i: np.ndarray
    j: np.ndarray

    def __post_init__(self):
        self.E = len(self.i)
        self.src = np.concatenate([self.i, self.j])
        self.dst = np.concatenate([self.j, self.i])
        self.rev = (np.arange(2 * self.E) + self.E) % (2 * self.E)
        self._index = None

    def _build_index(self) -> np.ndarray:
        if self._index is None:
            n = int(max(self.src.max(initial=0), self.dst.max(initial=0))) + 1
            self._index = np.full((n, n), -1, dtype=np.int64)
            self._index[self.src, self.dst] = np.arange(2 * self.E)
        return self._index

    def directed(self, a: int, b: int) -> int | None:
        """Index of the directed relation a -> b, or None if the pair does not relate."""
        index = self._build_index()
        if max(a, b) >= len(index):
            return None
        k = int(index[a, b])
        return None if k < 0 else k

    def both_ways(self, a: int, b: int) -> np.ndarray:
        """The directed relations a -> b and b -> a (none if the pair does not relate)."""
        k = self.directed(a, b)
        return np.array([] if k is None else [k, int(self.rev[k])], dtype=np.int64)

    def index_matrix(self) -> np.ndarray:
        """(n, n) matrix of directed relation indices a -> b, -1 where none."""
        return self._build_index()

    def between(self, group_a, group_b) -> np.ndarray:
        """Directed relation indices from any actor of ``group_a`` to any of ``group_b``."""
        in_a = np.zeros(len(self._build_index()), dtype=bool)
        in_b = in_a.copy()
        in_a[list(group_a)] = True
        in_b[list(group_b)] = True
        return np.flatnonzero(in_a[self.src] & in_b[self.dst])


def actors_depend_on_seed(cfg: dict) -> bool:
    """Whether :func:`build_actors` draws the actors' attributes (the synthetic world's
    rest of the world); the data world's actors are built without a draw, the same for
    every seed."""
    return cfg["world"]["rest_of_world"].get("source", "synthetic") != "states"


def relations_depend_on_seed(cfg: dict) -> bool:
    """Whether a world's relations are drawn (the synthetic world's random regional ties):
    then each seed has its own relations and worlds cannot run side by side."""
    row = cfg["world"]["rest_of_world"]
    return (row.get("source", "synthetic") != "states" and int(row["count"]) > 0
            and int(row["ties_per_state"]) > 0)


def build_relations(actors: ActorState, ties_per_state: int, rng: np.random.Generator) -> Relations:
    """The pairs of actors that matter to each other.

    Assumption (why): every major power relates to every actor (a global space power
    deals with everyone); named spacefaring states all relate to each other; each
    generated state also relates to ``ties_per_state`` random non-major states (regional
    partners). This keeps the relation count linear in the number of generated states
    while every pair the documents discuss is present. States of the data world relate
    to their sub-region's largest economies instead (:func:`sim.world.world_states.regional_pairs`).
    """
    fixed, i, j = _fixed_pairs(actors.kind.astype(np.int8).tobytes(),
                               actors.region.astype(np.int64).tobytes(),
                               actors.gdp.astype(np.float64).tobytes(), int(ties_per_state))
    others = np.flatnonzero(actors.kind != 0)
    generated = np.flatnonzero(actors.kind == 2)
    if not (ties_per_state > 0 and len(others) > 1 and len(generated)):
        return Relations(i=i.copy(), j=j.copy())
    # a repeated draw or a draw of oneself just gives that state one tie fewer
    picks = others[rng.integers(0, len(others), size=(len(generated), ties_per_state))]
    pair = fixed.copy()
    pair[generated[:, None], picks] = True
    pair[picks, generated[:, None]] = True
    np.fill_diagonal(pair, False)
    i, j = np.nonzero(np.triu(pair, 1))
    return Relations(i=i.astype(np.int64), j=j.astype(np.int64))


@lru_cache(maxsize=16)
def _fixed_pairs(kind_b: bytes, region_b: bytes, gdp_b: bytes,
                 ties_per_state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs that do not depend on the seed (majors with everyone, named with named,
    data states with their regional peers), from the actors' kinds, regions and GDPs:
    the same for every world of a configuration, so computed once per configuration
    (a sweep builds thousands of worlds). Returns the (n, n) pair matrix and its pairs
    ``(i, j)``, i < j, all read-only: callers copy what they change."""
    kind = np.frombuffer(kind_b, dtype=np.int8)
    n = len(kind)
    major = kind == 0
    named = kind <= 1
    if (kind == 3).any():
        from sim.world.world_states import regional_pairs
        pair = regional_pairs(np.frombuffer(region_b, dtype=np.int64),
                              np.frombuffer(gdp_b, dtype=np.float64), kind, ties_per_state)
    else:
        pair = np.zeros((n, n), dtype=bool)
    pair[major, :] = True
    pair[:, major] = True
    pair[np.ix_(named, named)] = True
    np.fill_diagonal(pair, False)
    i, j = np.nonzero(np.triu(pair, 1))
    i, j = i.astype(np.int64), j.astype(np.int64)
    for a in (pair, i, j):
        a.flags.writeable = False
    return pair, i, j
