"""Announced milestones: scheduled events that succeed or fail in their year."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from sim.names import PROGRAMMES
from sim.mechanisms.base import Mechanism
from sim.config.params import nonneg, param, prob


@dataclass
class MilestoneConfig:
    year: Optional[int] = param(lo=1957, hi=2200, unit="year", source="source",
                                doc="announced year (null: cancelled)")
    actors: list[str] = field(default_factory=list)
    programme: Optional[str] = None
    success_probability: float = prob(doc="chance the milestone succeeds in its year")
    prestige: float = nonneg(hi=100.0, unit="prestige index", doc="prestige gained (lost on failure)")
    capability_boost: float = param(lo=-1.0, hi=10.0, unit="relative",
                                    doc="relative capability gain on success")
    attractiveness: float = nonneg(hi=100.0, doc="programme attractiveness gained on success")
    partnership_bonus: float = nonneg(0.0, hi=100.0, unit="capability units / yr",
                                      doc="bonus on the actors' mutual cooperation on success")


class Milestone(Mechanism):
    """An announced milestone, scheduled in config (``milestones.<name>``).

    Announced in the documents: the Artemis crewed landing (003: "landing astronauts
    back on the moon as early as 2024"), the China–Russia asteroid mission (001: "a
    robotic mission to an asteroid in 2024"), the ILRS robotic base (001: "a permanent
    research base at the moon's south pole by 2030"), the ILRS crewed phase (003: "does
    not envision human lunar landings until 2036 or later") and China's crewed Mars
    mission (001: "the first manned Mars exploration in 2033").

    Causal pathway: in its year (the engine's milestone stage, after the policy
    mechanisms; milestones of one year act in config order) the milestone succeeds with
    ``success_probability`` (one draw from each world's generator). Success: its actors
    gain ``prestige`` (weighted by their prestige weights) and ``capability_boost``
    (relative), its programme gains ``attractiveness``, and its actors' mutual
    cooperation gains ``partnership_bonus`` (``mods.pair_bonus``). Failure: prestige
    falls by ``prestige * (1 - failure_tolerance)`` and the programme loses half the
    attractiveness. The result goes to ``model.event_logs``.
    """

    Config = MilestoneConfig

    def __init__(self, name: str, cfg: dict):
        self.name = name
        self.year = cfg["year"]
        self.names = list(cfg["actors"])
        self.programme = None if cfg["programme"] is None else PROGRAMMES.index(cfg["programme"])
        self.p = float(cfg["success_probability"])
        self.prestige = float(cfg["prestige"])
        self.boost = float(cfg["capability_boost"])
        self.attract = float(cfg["attractiveness"])
        self.partnership = float(cfg["partnership_bonus"])

    def setup(self, model):
        self.actors = np.asarray([model.index[a] for a in self.names], dtype=np.int64)

    def happen(self, model, year):
        """The milestone's year has come: draw success in every world and act."""
        act, who = model.actors, self.actors
        # one draw per world, from that world's generator
        success = model.draws.random((len(model.rngs),)) < self.p
        ok, failed = np.ix_(success, who), np.ix_(~success, who)
        weight = (act.prestige_domestic[ok] + act.prestige_international[ok]) / 2
        act.prestige[ok] += self.prestige * weight
        act.capability[ok] *= 1.0 + self.boost
        if len(who) > 1:             # the relations among its actors
            among = model.relations.index_matrix()[np.ix_(who, who)]
            model.mods.pair_bonus[np.ix_(success, among[among >= 0])] += self.partnership
        act.prestige[failed] -= self.prestige * (1.0 - act.failure_tolerance[failed])
        if self.programme is not None:
            model.attractiveness[:, self.programme] += np.where(success, self.attract,
                                                                -0.5 * self.attract)
        for b, s in enumerate(success):
            model.event_logs[b].append((year, self.name, "success" if s else "failure"))
