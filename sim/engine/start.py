"""The documented start: the record's programme members in the first year, and last
year's moves before it (co-members, the pairs mechanisms name, China's agreement partners
cooperate)."""

from __future__ import annotations

import numpy as np

from sim.names import ARTEMIS, PROGRAMMES


class DocumentedStart:
    """The model's start state (a part of :class:`sim.mesa.model.SpaceRaceModel`)."""

    def _start_members(self, cfg: dict) -> dict[str, list[int]]:
        """Programme -> its members before the first step (one world's indices).

        The synthetic world: ``programmes.<p>.initial_members``. The data world: the
        record's members before ``world.start_year`` (:func:`sim.world.world_states.record_start_members`),
        plus the configured initial members the record does not date later (ESA in the
        ISS; a lever's "India signs"), plus each programme's leader."""
        progs = cfg["programmes"]
        configured = {p: [self.index[a] for a in progs[p]["initial_members"]] for p in PROGRAMMES}
        if cfg["world"]["rest_of_world"].get("source", "synthetic") != "states":
            return configured
        from sim.world.world_states import record_dated_later, record_start_members
        iso3 = self.actors.iso3
        record, later = record_start_members(cfg, iso3), record_dated_later(cfg, iso3)
        out = {}
        for p in PROGRAMMES:
            keep = [a for a in configured[p] if a not in later[p]]
            out[p] = sorted(set(record[p].tolist()) | set(keep) | {self.index[progs[p]["leader"]]})
        return out

    def _initial_cooperation(self, n_china_partners: int) -> np.ndarray:
        """Last year's moves, (world, relation): who cooperated with whom in the
        documents' present."""
        rel = self.relations
        # (world, relation): the two actors share a programme (each actor's programmes as
        # bits, so one gather per side for all worlds)
        bits = (self.members.astype(np.int64)
                << np.arange(self.members.shape[1])[:, None]).sum(axis=1)
        together = (bits[:, rel.src] & bits[:, rel.dst]) != 0
        worlds = [self._initial_world(self.members[b], together[b], self.actors.alignment[b], rng,
                                      n_china_partners) for b, rng in enumerate(self.rngs)]
        return np.stack(worlds) & ~self.blocked

    def _initial_world(self, members, together, alignment, rng, n_china_partners) -> np.ndarray:
        """One world's last-year moves (from its programme members, whether each
        relation's actors share a programme, its alignments and its generator)."""
        n, rel = self.world_n, self.relations
        pairs = np.zeros((n, n), dtype=bool)
        for a, c in self.initial_pairs:
            pairs[a, c] = pairs[c, a] = True
        # 000: "Since 2016, China has made 46 space cooperation agreements with 19
        # different countries and regions." Partners of the ILRS's leader, drawn among
        # non-Artemis, non-major actors, more likely the closer they lean to its camp.
        act = self.actors
        known = np.flatnonzero(act.china_partner)[:n_china_partners]
        if len(known):      # the data world: the partners the record names, the rest drawn
            pairs[self.ilrs_leader, known] = pairs[known, self.ilrs_leader] = True
            n_china_partners -= len(known)
        candidates = np.flatnonzero((act.kind > 0) & ~members[ARTEMIS] & ~act.china_partner)
        if (act.kind == 3).any():
            candidates = candidates[act.china_candidate[candidates]]
        k = min(n_china_partners, len(candidates))
        # common random numbers: the draw comes from a child generator that takes one
        # number from the world's stream whatever k is, so a scenario with more or fewer
        # partners leaves every later draw of its paired seed unchanged
        child = np.random.default_rng(rng.integers(2**63))
        if k > 0:
            weight = 1.0 - alignment[candidates] + 1e-6
            chosen = child.choice(candidates, size=k, replace=False, p=weight / weight.sum())
            pairs[self.ilrs_leader, chosen] = pairs[chosen, self.ilrs_leader] = True
        return together | pairs[rel.src, rel.dst]
