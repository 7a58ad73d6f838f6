"""Outcome indices of one world, and the classes that follow from them.

The model used to *decide* an outcome by a chain of tuned thresholds; here it *measures*
three continuous indices in [0, 1] for one world (a :class:`sim.outcome.snapshot.WorldSnapshot`,
usually the final window of a run), and a class follows from them by a fixed, documented
rule. Camps come from :mod:`sim.outcome.camps`.

**Bloc index** — how much more mutual cooperation there is within the two camps than
between them, against the configuration-model null of the same degrees (Newman 2003,
"Mixing patterns in networks", PRE 67 026126: the assortativity coefficient ``r`` of a
categorical attribute, i.e. the modularity of the camp partition divided by its maximum).
Over the relations whose two actors are both in a camp (hedgers and the non-aligned are
left out; bridges count with their camp), with each pair weighted by its share of
mutually cooperative years, let ``x`` be the share of that weight between the camps and
``a_W``, ``a_E`` the camps' shares of the weighted degree. Under degree-preserving random
rewiring the expected between share is ``2 a_W a_E``, so

    ``r = 1 - x / (2 a_W a_E)``,   bloc = max(0, r)

(1: no cooperation between the camps at all; 0: as much as random mixing gives, or less;
0 too when a camp has no cooperation at all — one camp absorbing everyone is not a bloc).
:func:`bloc_null_check` compares ``r`` with seeded degree-preserving shuffles.

**Race index** — among the space powers (``WorldSnapshot.space_powers``), the geometric
mean of *rivalry*, the share of years in which both actors of a pair competed
(capability-product weighted over their pairs, so the big powers' rivalry counts most;
mutual competition is also the absence of cooperation), and *racing*, how far their
racing spending has gone toward its ceiling (capability-weighted mean of
``racing / racing_max``). Richardson's arms race needs both: rivals that do not cooperate
and spending that answers them; either at zero gives no race.

**Collaboration index** — the geometric mean of the *US–China tie* ``g`` and the
*cross-divide cooperation* ``b``. ``g`` is the pair's share of mutually cooperative years,
or 1 if both leaders are in one programme (003: the Wolf Amendment "only restricts
bilateral, not multilateral, cooperation"); without any US–China cooperation the index is
0 whatever else happens. ``b`` is the mean share of mutually cooperative years over all
relations, each weighted by ``c_i c_j |a_i - a_j| / 2``: the capabilities of the pair
times their distance on the US–China alignment axis, so cooperation counts most between
big powers far apart (the US–China pair has the largest weight of all). It does not
depend on the camps, so adding a tie across the divide never lowers it.

**Classes** (:func:`classify`; thresholds in :class:`Thresholds`, fixed before any
scenario was run): a world is *collaboration*, *bloc* or *race* when that index is at
least its threshold; if more than one is, the one furthest above its threshold (ties in
that order). Otherwise: *hedged* if hedgers are at least ``hedged`` of the actors in any
camp programme (leaders aside); *hegemony* if exactly one camp has members besides its
leader (002, after Yan Xuetong: the "unipolar structure"; the other leader has no
followers); else *ambiguous*. No world is forced into race.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from sim._jit import njit
from sim.outcome.camps import EAST, HEDGER, NO_CAMP, ROLES, WEST, CampRule, Camps, assign_camps
from sim.outcome.snapshot import WorldSnapshot

INDICES = ("bloc", "race", "collaboration")
CLASSES = ("collaboration", "bloc", "race", "hedged", "hegemony", "ambiguous")


@dataclass(frozen=True)
class Thresholds:
    """Where each class starts. All are conventions stated before any scenario was run:

    * ``bloc``, ``race``, ``collaboration`` = 0.5: each index runs from 0 (none: random
      mixing, no rivalry or spending, no cross-divide cooperation) to 1 (complete), so 0.5
      is the midpoint — more than halfway from none to complete (simple-majority
      convention). For the bloc index it means the camps cooperate across the divide less
      than half as much as random mixing of the same degrees would give.
    * ``hedged`` = 0.5: hedgers are a simple majority of the camp programmes' members.
    """

    bloc: float = 0.5
    race: float = 0.5
    collaboration: float = 0.5
    hedged: float = 0.5

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, (int, float)) and 0.0 < v <= 1.0):
                raise ValueError(f"Thresholds.{f.name}: got {v!r}; a number in (0, 1]")


@dataclass(frozen=True)
class Indices:
    """The three indices of one world, their parts, and the camp counts the classes need."""

    bloc: float
    race: float
    collaboration: float
    between_observed: float     # x: share of camp-camp cooperation that crosses the camps
    between_expected: float     # 2 a_W a_E: the same under random mixing
    rivalry: float              # race part: mutual competition among the space powers
    racing: float               # race part: racing spending toward its ceiling
    us_china: float             # collaboration part g
    cross_divide: float         # collaboration part b
    hedger_share: float         # hedgers among camp-programme members (leaders aside)
    west_followers: int         # west camp members besides its leader
    east_followers: int
    roles: dict                 # role name -> number of actors

    def as_row(self) -> dict:
        """Flat row for a results table (roles as ``role_<name>`` columns)."""
        row = {k: v for k, v in asdict(self).items() if k != "roles"}
        row.update({f"role_{k}": v for k, v in self.roles.items()})
        return row


#: Layout of :func:`indices_kernel`'s result.
KERNEL_FIELDS = ("bloc", "race", "collaboration", "between_observed", "between_expected",
                 "rivalry", "racing", "us_china", "cross_divide", "hedger_share",
                 "west_followers", "east_followers")


@njit
def _wmean(total_wx, total_w, total_x, count):
    """Weighted mean, the plain mean if all weights are 0, 0 if there is nothing."""
    if total_w > 0:
        return total_wx / total_w
    return total_x / count if count else 0.0


@njit
def indices_kernel(i, j, mutual, rivalry, capability, alignment, camp, role, power, racing,
                   racing_max, in_w, in_e, shared, w, e):
    """The three indices and their parts (layout :data:`KERNEL_FIELDS`) and the role counts,
    from plain arrays (numba; callable from the model's compiled loops). ``power`` marks the
    space powers; ``shared`` is whether the two leaders are in one programme."""
    n, m = len(capability), len(i)
    # bloc: r = 1 - x / (2 a_W a_E) over the relations among camp members
    total = between = deg_w = 0.0
    # race: rivalry among the space powers (weights c_i c_j)
    r_wx = r_w = r_x = 0.0
    r_n = 0
    # collaboration: the leaders' pair, and cross-divide cooperation (weights c c |a-a| / 2)
    direct = b_wx = b_w = 0.0
    for k in range(m):
        a, b = i[k], j[k]
        ca, cb = camp[a], camp[b]
        if ca != NO_CAMP and cb != NO_CAMP:
            total += mutual[k]
            if ca != cb:
                between += mutual[k]
            deg_w += mutual[k] * ((ca == WEST) + (cb == WEST))
        if power[a] and power[b]:
            wt = capability[a] * capability[b]
            r_wx += wt * rivalry[k]
            r_w += wt
            r_x += rivalry[k]
            r_n += 1
        if (a == w and b == e) or (a == e and b == w):
            direct = mutual[k]
        wt = capability[a] * capability[b] * abs(alignment[a] - alignment[b]) * 0.5
        b_wx += wt * mutual[k]
        b_w += wt
    out = np.zeros(len(KERNEL_FIELDS))
    if total > 0:
        x = between / total
        a_w = deg_w / (2 * total)
        expected = 2 * a_w * (1 - a_w)
        out[3] = x
        if expected > 1e-12:
            out[4] = expected
            out[0] = max(0.0, 1.0 - x / expected)
    s_wx = s_w = s_x = 0.0
    s_n = 0
    for v in range(n):
        if power[v]:
            share = min(1.0, max(0.0, racing[v] / racing_max[v]))
            s_wx += capability[v] * share
            s_w += capability[v]
            s_x += share
            s_n += 1
    out[5] = _wmean(r_wx, r_w, r_x, r_n)
    out[6] = _wmean(s_wx, s_w, s_x, s_n)
    out[1] = np.sqrt(out[5] * out[6])
    out[7] = 1.0 if shared else direct
    out[8] = b_wx / b_w if b_w > 0 else 0.0
    out[2] = np.sqrt(out[7] * out[8])
    # hedgers among the camp programmes' members (leaders aside); followers; roles
    members = hedgers = 0
    counts = np.zeros(5, dtype=np.int64)
    for v in range(n):
        counts[role[v]] += 1
        if v != w and v != e and (in_w[v] or in_e[v]):
            members += 1
            hedgers += role[v] == HEDGER
        if v != w and camp[v] == WEST:
            out[10] += 1
        if v != e and camp[v] == EAST:
            out[11] += 1
    out[9] = hedgers / members if members else 0.0
    return out, counts


def compute(snap: WorldSnapshot, rule: CampRule = CampRule(),
            camps: Camps | None = None) -> Indices:
    """The indices of one world (camps from ``rule`` unless given)."""
    in_w, in_e = snap.in_camp_programmes()
    rivalry = snap.rivalry()
    camps = camps if camps is not None else assign_camps(snap, rule)
    power = np.zeros(snap.n, dtype=np.bool_)
    power[[snap.index[s] for s in snap.space_powers]] = True
    shared = bool((snap.members[:, snap.w] & snap.members[:, snap.e]).any())
    out, counts = indices_kernel(snap.i, snap.j, snap.mutual, rivalry, snap.capability,
                                 snap.alignment, camps.camp, camps.role, power, snap.racing,
                                 snap.racing_max, in_w, in_e, shared, snap.w, snap.e)
    values = dict(zip(KERNEL_FIELDS, out.tolist()))
    values["west_followers"] = int(values["west_followers"])
    values["east_followers"] = int(values["east_followers"])
    return Indices(**values, roles=dict(zip(ROLES, counts.tolist())))


# --- classes ---------------------------------------------------------------------------

def classify_arrays(bloc, race, collaboration, hedger_share, west_followers, east_followers,
                    thresholds: Thresholds = Thresholds()) -> np.ndarray:
    """Class of each world (names from :data:`CLASSES`) from arrays of its indices."""
    idx = np.column_stack([np.asarray(collaboration, float), np.asarray(bloc, float),
                           np.asarray(race, float)])
    thr = np.array([thresholds.collaboration, thresholds.bloc, thresholds.race])
    margin = idx - thr
    best = np.argmax(margin, axis=1)              # first of the largest: the CLASSES order
    above = margin[np.arange(len(idx)), best] >= 0
    hedged = np.asarray(hedger_share, float) >= thresholds.hedged
    west, east = np.asarray(west_followers) > 0, np.asarray(east_followers) > 0
    code = np.where(above, best, np.where(hedged, 3, np.where(west != east, 4, 5)))
    return np.asarray(CLASSES, dtype=object)[code]


def classify(ind: Indices, thresholds: Thresholds = Thresholds()) -> str:
    """Class of one world (see the module docstring)."""
    return str(classify_arrays([ind.bloc], [ind.race], [ind.collaboration], [ind.hedger_share],
                               [ind.west_followers], [ind.east_followers], thresholds)[0])


CLASS_INPUTS = ("bloc", "race", "collaboration", "hedger_share", "west_followers",
                "east_followers")


def classify_table(table, thresholds: Thresholds = Thresholds()) -> np.ndarray:
    """Class of each row of a table holding the columns :data:`CLASS_INPUTS`."""
    missing = [c for c in CLASS_INPUTS if c not in table]
    if missing:
        raise ValueError(f"indices table: missing column {missing[0]!r}; needs {CLASS_INPUTS}")
    return classify_arrays(*(np.asarray(table[c]) for c in CLASS_INPUTS), thresholds)


def _scaled(obj, name: str, factor: float):
    """``obj`` (a frozen dataclass of thresholds) with ``name`` times ``factor``, capped at 1."""
    return replace(obj, **{name: min(1.0, getattr(obj, name) * factor)})


def threshold_robustness(table, by: str = "scenario", thresholds: Thresholds = Thresholds(),
                         factors=(0.8, 1.2), snapshots=None, rule: CampRule = CampRule()):
    """How each group's class shares move when each threshold moves by the given factors
    (default ±20%), one threshold at a time.

    ``table`` has a row per run with ``by`` and :data:`CLASS_INPUTS`. The class thresholds
    act on those stored indices. If ``snapshots`` (one :class:`WorldSnapshot` per row, in
    order) are given, the camp thresholds of ``rule`` are moved too (``camp_tie``,
    ``camp_align``: camps and indices recomputed from the snapshots).

    Returns a DataFrame indexed by (``by``, threshold, factor) — the first row of each
    group is the baseline (threshold ``"none"``, factor 1.0) — with one column per class
    (share of the group's runs, 0..1), ``n`` (runs) and ``max_shift`` (the largest change
    of any class share from the baseline)."""
    import pandas as pd

    if by not in table:
        raise ValueError(f"indices table: missing column {by!r} to group by")
    groups = np.asarray(table[by])
    settings = [("none", 1.0, classify_table(table, thresholds))] + [
        (f.name, x, classify_table(table, _scaled(thresholds, f.name, x)))
        for f in fields(thresholds) for x in factors]
    if snapshots is not None:
        if len(snapshots) != len(groups):
            raise ValueError(f"snapshots: got {len(snapshots)}; one per table row "
                             f"({len(groups)})")
        for f in fields(rule):
            for x in factors:
                moved = _scaled(rule, f.name, x)
                rows = pd.DataFrame([compute(s, moved).as_row() for s in snapshots])
                settings.append((f"camp_{f.name}", x, classify_table(rows, thresholds)))
    frames = []
    counts = pd.Series(groups).value_counts()
    for name, factor, classes in settings:
        shares = pd.crosstab(groups, classes, normalize="index").reindex(columns=CLASSES,
                                                                           fill_value=0.0)
        shares.index.name, shares.columns.name = by, None
        shares["threshold"], shares["factor"] = name, factor
        shares["n"] = counts.reindex(shares.index).to_numpy()
        frames.append(shares.reset_index())
    out = pd.concat(frames, ignore_index=True)
    base = out[out["threshold"] == "none"].set_index(by)[list(CLASSES)]
    out["max_shift"] = np.abs(out[list(CLASSES)].to_numpy()
                              - base.loc[out[by]].to_numpy()).max(axis=1)
    order = {g: k for k, g in enumerate(dict.fromkeys(groups))}
    out["_g"] = out[by].map(order)
    return out.sort_values(["_g"], kind="stable").drop(columns="_g").set_index(
        [by, "threshold", "factor"])


# --- optional check of the analytic null model -----------------------------------------

def bloc_null_check(snap: WorldSnapshot, camp: np.ndarray, shuffles: int = 200,
                    rng: np.random.Generator | int | None = 0, tie: float = 0.5,
                    swaps_per_edge: int = 10) -> dict:
    """The bloc index's ``r`` on the binary graph of ties (mutual share >= ``tie``) among
    camp members, against ``shuffles`` degree-preserving randomisations of that graph
    (networkx ``double_edge_swap``, seeded from ``rng``): returns ``r``, the null mean and
    standard deviation, and the z-score. The shuffled graphs are simple (no tie of an actor
    to itself, no repeated tie) while the analytic null, like Newman's modularity, allows
    both, so in small camps the shuffles' mean ``r`` sits slightly below 0 (about -1 /
    camp size). Not for the hot path (seconds for 200 shuffles of a model-sized world)."""
    import networkx as nx

    rng = np.random.default_rng(rng)
    ci, cj = camp[snap.i], camp[snap.j]
    keep = (ci != 0) & (cj != 0) & (snap.mutual >= tie)
    graph = nx.Graph()
    graph.add_edges_from(zip(snap.i[keep].tolist(), snap.j[keep].tolist()))

    def r_of(g) -> float:
        e = np.array(g.edges(), dtype=np.int64).reshape(-1, 2)
        if not len(e):
            return 0.0
        a, b = camp[e[:, 0]], camp[e[:, 1]]
        x = np.mean(a != b)
        a_w = (np.sum(a == WEST) + np.sum(b == WEST)) / (2 * len(e))
        expected = 2 * a_w * (1 - a_w)
        return 1.0 - x / expected if expected > 1e-12 else 0.0

    observed = r_of(graph)
    m = graph.number_of_edges()
    null = []
    for _ in range(shuffles):
        g = graph.copy()
        if m >= 2:
            try:
                nx.double_edge_swap(g, nswap=swaps_per_edge * m, max_tries=100 * swaps_per_edge * m,
                                    seed=int(rng.integers(2**31)))
            except nx.NetworkXAlgorithmError:      # too few swappable edges: keep what we have
                pass
        null.append(r_of(g))
    null = np.array(null)
    sd = float(null.std(ddof=1)) if len(null) > 1 else 0.0
    return {"r": observed, "null_mean": float(null.mean()) if len(null) else 0.0,
            "null_sd": sd, "z": (observed - float(null.mean())) / sd if sd > 0 else 0.0}


__all__ = ["INDICES", "CLASSES", "CLASS_INPUTS", "Thresholds", "Indices", "compute",
           "classify", "classify_arrays", "classify_table", "threshold_robustness",
           "indices_kernel", "KERNEL_FIELDS", "bloc_null_check"]
