"""Programme membership: the Artemis Accords, the ILRS, the ISS and Tiangong.

Each year every eligible actor decides, for each open programme, whether to be in it.
Its wish to be in programme p is

``U = w_alignment * alignment * side_p + w_leader * (relation with the leader - 1/2)
+ w_science * (members' share of world capability) + w_prestige * w_int * attractiveness_p
+ inertia * [already a member] + join_bonus - cost_p - hedging_penalty * [in the other camp's programme]``

and it is in when ``U > 0``. Each year a random share ``revision_rate`` of
(programme, actor) entries is reconsidered, so accession spreads over years. Leaders stay in their own programme while it is open.
Being in both camps' programmes (hedging) is possible unless ``allow_hedging`` is
false, in which case an actor keeps only the side it wishes more. Sources: 003 (the
Artemis Accords' "shared vision for principles ... to create a safe and transparent
environment", 12 signatories); 002 ("two separate highways" to the Moon: Artemis vs.
the China–Russia station); 004 (Tiangong open to all); the weights are assumptions
(see docs/PARAMETERS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import PROGRAMMES


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

    @classmethod
    def from_config(cls, cfg: dict, index: dict[str, int]) -> MembershipRule:
        progs = [cfg[p] for p in PROGRAMMES]
        return cls(**{k: float(cfg[k]) for k in ("w_alignment", "w_leader", "w_science",
                                                 "w_prestige", "inertia", "hedging_penalty",
                                                 "revision_rate")},
                   allow_hedging=bool(cfg["allow_hedging"]),
                   side=np.array([float(p["side"]) for p in progs]),
                   cost=np.array([float(p["cost"]) for p in progs]),
                   leader=np.array([index[p["leader"]] for p in progs]))

    def wish(self, members, leader_relation, capability, alignment, w_int,
             attractiveness, join_bonus) -> np.ndarray:
        """U for every (programme, actor): an array of shape (4, n)."""
        science = (members * capability).sum(axis=1) / max(capability.sum(), 1e-12)
        other_side = np.array([(members[self.side == -s].any(axis=0)) for s in self.side])
        return (self.w_alignment * self.side[:, None] * alignment
                + self.w_leader * (leader_relation - 0.5)
                + (self.w_science * science)[:, None]
                + self.w_prestige * attractiveness[:, None] * w_int
                + self.inertia * members
                + join_bonus
                - self.cost[:, None]
                - self.hedging_penalty * other_side)

    def decide(self, wish, members, eligible, programme_open, revising) -> np.ndarray:
        """New memberships from the wishes, eligibility and which programmes fly.

        Only the (programme, actor) entries in ``revising`` are reconsidered this year
        (accession to a treaty or station takes time; ``revision_rate`` of them a year).
        """
        members = np.where(revising, wish > 0, members) & eligible & programme_open[:, None]
        if not self.allow_hedging:
            west, east = self.side > 0, self.side < 0
            best_west = np.where(members[west], wish[west], -np.inf).max(axis=0)
            best_east = np.where(members[east], wish[east], -np.inf).max(axis=0)
            members[west] &= best_west >= best_east
            members[east] &= best_east > best_west
        open_leaders = np.flatnonzero(programme_open)
        members[open_leaders, self.leader[open_leaders]] = True
        return members
