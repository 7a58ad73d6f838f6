"""What the outcome rule reads from a played model: tie shares over the final window, the
world snapshot, the outcome, the camps' programmes."""

from __future__ import annotations

import numpy as np

from sim.names import PROGRAMMES
from sim.outcome.snapshot import WorldSnapshot


class Measures:
    """The model's measured state (a part of :class:`sim.mesa.model.SpaceRaceModel`)."""

    def tie_shares(self, world: int = 0) -> np.ndarray:
        """Each of a world's pairs' share of mutually cooperative years in the final
        ``outcome.window`` years (before the first year: last year's moves)."""
        done, w, E = self._t, self.outcome_rule.window, self.relations.E
        if not done:
            return self.last_actions[world, :E].astype(float)
        return self.mutual_history[world, max(0, done - w):done].mean(axis=0)

    def window_shares(self, world: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each of a world's pairs' shares of the final ``outcome.window`` years in which
        i cooperated toward j, j toward i, and both (before the first year: last year's
        moves)."""
        E = self.relations.E
        done, w = self._t, self.outcome_rule.window
        if not done:
            a = self.last_actions[world]
            return a[:E].astype(float), a[E:].astype(float), (a[:E] & a[E:]).astype(float)
        h = self.action_history[world, max(0, done - w):done]
        return (h[:, :E].mean(axis=0), h[:, E:].mean(axis=0),
                self.mutual_history[world, max(0, done - w):done].mean(axis=0))

    def snapshot(self, world: int = 0) -> WorldSnapshot:
        """A world's final window as the input of :mod:`sim.outcome.camps` and :mod:`sim.outcome.indices`."""
        coop_ij, coop_ji, mutual = self.window_shares(world)
        act, rel = self.actors, self.relations
        cap = np.maximum(self.racing_cap * act.budget[world], 1e-12)
        return WorldSnapshot(
            names=self.names, capability=act.capability[world], alignment=act.alignment[world],
            i=rel.i, j=rel.j, coop_ij=coop_ij, coop_ji=coop_ji,
            mutual=mutual, members=self.members[world], programme_names=PROGRAMMES,
            agency_of=self._agency_of,
            programme_side=self.membership_rule.side, racing=act.racing[world], racing_max=cap,
            west=self.names[self.west_anchor], east=self.names[self.east_anchor],
            space_powers=self.space_powers, check=False)

    def outcome(self, world: int = 0) -> dict:
        """Class, indices, roles and network metrics of one world's final window
        (see :mod:`sim.outcome.rule`)."""
        return self.outcome_rule.evaluate(self.snapshot(world))

    def camp_programmes(self, world: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Whether each actor of a world is in any US-led / any China-led programme
        (as 0/1 floats)."""
        side = self.membership_rule.side[:, None]
        members = self.members[world]
        return ((members & (side > 0)).any(axis=0).astype(float),
                (members & (side < 0)).any(axis=0).astype(float))
