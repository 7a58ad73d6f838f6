"""Programme membership: the Artemis Accords, the ILRS, the ISS and Tiangong.

Accession is a process with frictions. An actor's wish to be in programme p is

``U = w_alignment * alignment * side_p + w_leader * (relation with the leader - 1/2)
+ w_science * (members' share of world capability) + w_prestige * w_int * attractiveness_p
+ w_ties * tie to p's camp + w_peers * (share of its sub-region's peers in p)
+ inertia * [already a member] + join_bonus - cost_p - hedging_penalty * [in the other camp's programme]
- accession_cost * [not yet a member]``

Each year a random share ``revision_rate`` of (programme, actor) entries is reconsidered
(the yearly hazard of a decision: negotiation and domestic approval take years); a
reconsidered entry follows ``U > 0``, the others stay as they are. So a non-member joins
only when its wish beats the accession cost (``accession_cost``: negotiation, domestic
approval), and then with probability ``revision_rate`` a year; a member leaves only when
its wish falls below ``-inertia`` (leaving is costly), also at that hazard. A station
(``seat: true``: the ISS, Tiangong) takes a bilateral agreement for a seat, negotiated
over ``seat_talks`` years: a non-member joins only after that many consecutive years in
which it and the station's leader cooperate with each other. Leaders stay
in their own open programme (if eligible for it) and, without hedging, out of the other
camp's. Being in both camps' programmes (hedging) is possible unless ``allow_hedging`` is
false, in which case an actor keeps only the side it wishes more. Sources: 003 (the
Artemis Accords' "shared vision for principles ... to create a safe and transparent
environment", 12 signatories); 002 ("two separate highways" to the Moon: Artemis vs.
the China–Russia station); 004 (Tiangong open to all); ``revision_rate`` and
``accession_cost`` are fitted to the record through 2022 (``python -m sim.world.calibrate``),
the other weights are assumptions (see docs/PARAMETERS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.names import PROGRAMMES


class Eligibility:
    """Who may be in which programme: the configured eligibility (an open programme:
    everyone; a closed one: its initial members) changed by the mechanisms' grants and
    bans, each held under the mechanism's name. The combination rule is explicit and
    does not depend on the order the mechanisms act in::

        eligible = (configured | any grant) & ~any ban
    """

    def __init__(self, configured: np.ndarray):
        self.configured = configured
        self._grants: dict[str, np.ndarray] = {}
        self._bans: dict[str, np.ndarray] = {}
        self._cache: np.ndarray | None = configured.copy()

    def _layer(self, layers, name):
        if name not in layers:
            layers[name] = np.zeros_like(self.configured)
        return layers[name]

    def grant(self, name: str, programme: int, who, value: bool = True) -> None:
        """Mechanism ``name`` grants (or withdraws its grant of) eligibility to ``who``:
        actor indices or an (actor,) mask (in every world), or a (world, actor) mask."""
        self._set(self._layer(self._grants, name), programme, who, value)

    def ban(self, name: str, programme: int, who, value: bool = True) -> None:
        """Mechanism ``name`` bans (or lifts its ban on) ``who`` (as in :meth:`grant`)."""
        self._set(self._layer(self._bans, name), programme, who, value)

    def _set(self, layer, programme, who, value) -> None:
        row = layer[..., programme, :]                  # (world, actor)
        if np.ndim(who) == 2:                           # a mask per world
            mask = np.asarray(who, dtype=bool)
        else:
            mask = np.zeros(row.shape[-1], dtype=bool)
            mask[who] = True
            mask = np.broadcast_to(mask, row.shape)
        if (row[mask] != value).any():                  # recompute only on a change
            row[mask] = value
            self._cache = None

    @property
    def eligible(self) -> np.ndarray:
        """(world, programme, actor) eligibility now."""
        if self._cache is None:
            out = self.configured.copy()
            for g in self._grants.values():
                out |= g
            for b in self._bans.values():
                out &= ~b
            self._cache = out
        return self._cache


@dataclass(frozen=True)
class MembershipRule:
    w_alignment: float
    w_leader: float
    w_science: float
    w_prestige: float
    inertia: float
    hedging_penalty: float
    revision_rate: float
    allow_hedging: bool
    side: np.ndarray        # per programme, +1 US-led / -1 China-led
    cost: np.ndarray        # per programme
    leader: np.ndarray      # actor index of each programme's leader
    accession_cost: float = 0.0
    w_ties: float = 0.0
    w_peers: float = 0.0
    seat: np.ndarray = None  # per programme: joining needs cooperation with the leader

    @classmethod
    def from_config(cls, cfg: dict, index: dict[str, int]) -> MembershipRule:
        progs = [cfg[p] for p in PROGRAMMES]
        return cls(**{k: float(cfg[k]) for k in ("w_alignment", "w_leader", "w_science",
                                                 "w_prestige", "inertia", "hedging_penalty",
                                                 "revision_rate")},
                   allow_hedging=bool(cfg["allow_hedging"]),
                   side=np.array([float(p["side"]) for p in progs]),
                   cost=np.array([float(p["cost"]) for p in progs]),
                   leader=np.array([index[p["leader"]] for p in progs]),
                   accession_cost=float(cfg.get("accession_cost", 0.0)),
                   w_ties=float(cfg.get("w_ties", 0.0)), w_peers=float(cfg.get("w_peers", 0.0)),
                   seat=np.array([bool(p.get("seat", False)) for p in progs]))

    def leader_relation(self, actions, to_leader, rev) -> np.ndarray:
        """(world, programme, actor): this year's relation with the programme's leader, from
        ``actions`` (world, relation) (1 both cooperated, 1/2 one did or they do not relate,
        0 neither); ``to_leader[p, v]`` is the relation v -> leader of p (-1 if none)."""
        return _leader_relation_worlds(actions, to_leader, rev, self.leader)

    def revise(self, members, relation, capability, alignment, w_int,
               attractiveness, join_bonus, eligible, programme_open, revising,
               friction=None, seat_ready=None) -> np.ndarray:
        """New memberships (world, programme, actor): entries in ``revising`` follow
        ``U > 0``, the rest stay; ineligible actors and closed programmes have no members;
        leaders stay in.

        Every array has the world axis first: ``relation`` (world, programme, actor) is
        this year's relation with each programme's leader (:meth:`leader_relation`),
        ``attractiveness`` is (world, programme), the per-actor arrays (world, actor).
        ``friction`` (world, actor) is the accession cost a non-member must overcome
        (default ``accession_cost`` for all; the calibration sets one per world).
        ``seat_ready`` (world, programme, actor): the seat agreement with a station's
        leader is negotiated (default: this year's mutual cooperation with the leader)."""
        attractiveness = np.asarray(attractiveness, dtype=np.float64)
        if friction is None:
            friction = np.full(capability.shape, self.accession_cost)
        seat = self.seat if self.seat is not None else np.zeros(len(self.side), dtype=bool)
        if seat_ready is None:
            seat_ready = relation >= 1.0
        return _revise_worlds(members, relation, capability, alignment, w_int,
                              attractiveness, join_bonus, eligible, programme_open, revising,
                              self._weights, self.side, self.cost, self.leader,
                              self.allow_hedging, friction, seat, seat_ready)

    def seat_talks(self, talks, relation, open_to) -> np.ndarray:
        """(world, programme, actor): consecutive years, this one included, in which the
        programme was open to the actor (``open_to``) and it and the programme's leader
        cooperated with each other (``relation`` 1: a seat agreement's negotiation)."""
        return np.where((relation >= 1.0) & open_to, talks + 1, 0)

    def social(self, members, region, tie_west, tie_east) -> np.ndarray:
        """(world, programme, actor): ``w_ties`` x the actor's tie to the programme's camp +
        ``w_peers`` x the share of its sub-region's other actors in it."""
        out = np.zeros(members.shape, dtype=np.float64)
        if self.w_ties:
            out += self.w_ties * np.where(self.side[:, None] > 0, tie_west[None, :],
                                          tie_east[None, :])
        if self.w_peers and (region >= 0).any():
            size = np.bincount(region[region >= 0]).astype(np.float64)
            _add_peer_shares_worlds(out, members, region, size, self.w_peers)
        return out

    def __post_init__(self):
        object.__setattr__(self, "_weights", np.array(
            [self.w_alignment, self.w_leader, self.w_science, self.w_prestige, self.inertia,
             self.hedging_penalty]))


@njit
def _add_peer_shares_worlds(out, members, region, size, w_peers):
    """:func:`_add_peer_shares` for each world (the leading axis of ``out`` and ``members``)."""
    for b in range(members.shape[0]):
        _add_peer_shares(out[b], members[b], region, size, w_peers)


@njit
def _add_peer_shares(out, members, region, size, w_peers):
    """Add to ``out`` (programme, actor) ``w_peers`` x the share of the actor's sub-region's
    other actors in the programme (``region``: each actor's sub-region, -1: none, which
    adds nothing; ``size``: actors per sub-region)."""
    n_prog, n = members.shape
    inside = np.zeros((n_prog, len(size)))      # members per programme and sub-region
    for p in range(n_prog):
        for v in range(n):
            if region[v] >= 0 and members[p, v]:
                inside[p, region[v]] += 1.0
    for p in range(n_prog):
        for v in range(n):
            r = region[v]
            if r >= 0:
                others = max(size[r] - 1.0, 1.0)
                out[p, v] += w_peers * (inside[p, r] - members[p, v]) / others


@njit
def _revise_worlds(members, relation, capability, alignment, w_int, attractiveness,
                   join_bonus, eligible, programme_open, revising, weights, side, cost, leader,
                   allow_hedging, friction, seat, seat_ready):
    """:func:`_revise_kernel` for each world (the leading axis of every array but the
    programmes' and rule's own)."""
    new = np.empty(members.shape, dtype=np.bool_)
    for b in range(members.shape[0]):
        science = _capability_share(members[b], capability[b])
        new[b] = _revise_kernel(members[b], relation[b], alignment[b], w_int[b],
                                attractiveness[b], join_bonus[b], eligible[b], programme_open,
                                revising[b], science, weights, side, cost, leader,
                                allow_hedging, friction[b], seat, seat_ready[b])
    return new


@njit
def _capability_share(members, capability):
    """Each programme's members' share of the world's capability."""
    out = np.zeros(members.shape[0])
    total = max(capability.sum(), 1e-12)
    for p in range(members.shape[0]):
        for v in range(members.shape[1]):
            if members[p, v]:
                out[p] += capability[v]
        out[p] = out[p] / total
    return out


@njit
def _leader_relation_worlds(actions, to_leader, rev, leader):
    """:func:`_leader_relation` for each world (the leading axis of ``actions``)."""
    out = np.empty((actions.shape[0],) + to_leader.shape)
    for b in range(actions.shape[0]):
        out[b] = _leader_relation(actions[b], to_leader, rev, leader)
    return out


@njit
def _leader_relation(actions, to_leader, rev, leader):
    """(programme, actor): 1 if actor and leader both cooperated this year, 1/2 if one
    did, 0 if neither; 1/2 where they do not relate; 1 for the leader itself."""
    n_prog, n = to_leader.shape
    out = np.empty((n_prog, n))
    for p in range(n_prog):
        for v in range(n):
            k = to_leader[p, v]
            out[p, v] = 0.5 if k < 0 else (actions[k] + actions[rev[k]]) / 2.0
        out[p, leader[p]] = 1.0
    return out


@njit
def _revise_kernel(members, leader_relation, alignment, w_int, attractiveness, join_bonus,
                   eligible, programme_open, revising, science, weights, side, cost, leader,
                   allow_hedging, friction, seat, seat_ready):
    """One world's new memberships (programme, actor)."""
    w_alignment, w_leader, w_science, w_prestige, inertia, hedging_penalty = weights
    n_prog, n = members.shape
    wish = np.empty((n_prog, n))
    new = np.empty((n_prog, n), dtype=np.bool_)
    for v in range(n):
        for p in range(n_prog):
            other_side = False
            for q in range(n_prog):
                if side[q] == -side[p] and members[q, v]:
                    other_side = True
            wish[p, v] = (w_alignment * side[p] * alignment[v]
                          + w_leader * (leader_relation[p, v] - 0.5)
                          + w_science * science[p]
                          + w_prestige * attractiveness[p] * w_int[v]
                          + inertia * members[p, v]
                          + join_bonus[p, v]
                          - cost[p]
                          - hedging_penalty * other_side
                          - (0.0 if members[p, v] else friction[v]))
            keep = wish[p, v] > 0 if revising[p, v] else members[p, v]
            if keep and not members[p, v] and seat[p] and not seat_ready[p, v]:
                keep = False    # a station seat takes a bilateral agreement with its leader
            new[p, v] = keep and eligible[p, v] and programme_open[p]
        if not allow_hedging:
            best_west, best_east = -np.inf, -np.inf
            for p in range(n_prog):
                if new[p, v] and side[p] > 0:
                    best_west = max(best_west, wish[p, v])
                if new[p, v] and side[p] < 0:
                    best_east = max(best_east, wish[p, v])
            for p in range(n_prog):
                if side[p] > 0 and not best_west >= best_east:
                    new[p, v] = False
                if side[p] < 0 and not best_east > best_west:
                    new[p, v] = False
    for p in range(n_prog):
        lead = leader[p]
        if programme_open[p] and eligible[p, lead]:
            new[p, lead] = True
            if not allow_hedging:   # a leader stays out of the other camp's programmes
                for q in range(n_prog):
                    if side[q] == -side[p] and leader[q] != leader[p]:
                        new[q, lead] = False
    return new
