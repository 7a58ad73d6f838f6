"""The role the US assigns its allies: a US treaty ally pays for working with China."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.config.params import nonneg
from sim.game.payoffs import pair_rivalry


@dataclass
class AllianceCostConfig:
    cost: float = nonneg(0.05, hi=10.0, unit="per unit of the US's capability", doc=(
        "a US ally's cost of cooperating with China at full US-China rivalry"))
    treaty_allies: bool = True      # the states data/states.csv marks us_treaty_ally are allies
    actors: list[str] = field(default_factory=list)     # further allies by name


class AllianceCost(Mechanism):
    """The role the US assigns its allies: working with China costs a US ally.

    002: "And Europe and Canada can engage more closely with China in the human
    exploration of outer space, thus rejecting the role assigned to them by the US."
    002: "an axis of democracies (composed of the USA, Europe, Japan, and India)".
    001: "the U.S. government should, and likely will, support some key programs by
    working with U.S. allies in Europe and Asia".

    The documents give the direction (the US assigns its allies a role; engaging China
    means rejecting it), not a number. Causal pathway: every year, each directed relation
    ally -> China (allies: the US's collective-defence treaty allies in data/states.csv,
    plus ``actors``) carries a cost of cooperating, whatever China does, subtracted from
    the ally's pi(C,C) and pi(C,D):

        cost * rivalry(US, China) * c_US * (1 - rivalry_discount[ally -> China])

    (written as ``mods.coop_cost`` = that over ``c_China``, which the payoffs multiply by
    the partner's capability, so the stage games stay homogeneous in the capabilities)

    — the pressure grows with the US–China rivalry (none when they are not rivals) and
    with what the ally's partnership with the US is worth (the US's capability); a bridge actor
    (:mod:`~sim.mechanisms.bridges`, whose ``strength`` is the rivalry discount on its
    relations) rejects that share of the role (002: "thus rejecting the role").

    Magnitude (assumption): ``cost`` = 0.05, the worth of one shared programme with the
    US per unit of its capability (``payoffs.programme_bonus``): what an ally puts at risk
    by a visible joint project with the US's rival is its standing in one US-led
    programme (Artemis). The same convention as ``wolf_amendment.project_bonus``; plausible
    range a third to three times (C1).
    """

    name = "alliance_cost"
    Config = AllianceCostConfig
    PATRON, RIVAL = "US", "China"

    @classmethod
    def from_config(cls, section: dict, cfg: dict) -> AllianceCost:
        return cls(section, cfg["world"]["rest_of_world"].get("states_file"))

    def __init__(self, cfg: dict, states_file=None):
        self.cost = float(cfg["cost"])
        self.treaty_allies = bool(cfg.get("treaty_allies", True))
        self.names = list(cfg.get("actors") or [])
        self.states_file = states_file

    def _allies(self, model) -> np.ndarray:
        ally = np.zeros(model.actors.n, dtype=bool)
        if self.treaty_allies:
            from sim.world.world_states import states_where
            codes = states_where("us_treaty_ally", self.states_file)
            iso3 = model.actors.iso3
            ally |= np.array([c in codes for c in iso3], dtype=bool)
        if self.names:
            ally[model.named(*self.names)] = True
        ally[model.named(self.PATRON, self.RIVAL)] = False
        return ally

    def setup(self, model):
        rel = model.relations
        ally = self._allies(model)
        rival = np.zeros(model.actors.n, dtype=bool)
        rival[model.named(self.RIVAL)] = True
        self.edges = np.flatnonzero(ally[rel.src] & rival[rel.dst])
        self.patron, self.rival = model.index[self.PATRON], model.index[self.RIVAL]
        # the US -> China relation (for its rivalry discount; None: they do not relate)
        self.us_china = rel.directed(self.patron, self.rival)

    def on_year(self, model, year):
        if not len(self.edges) or self.cost == 0:
            return
        a, discount = model.actors.alignment, model.mods.rivalry_discount
        k = self.us_china
        rivalry = np.array([pair_rivalry(model.threat, a[b, self.patron], a[b, self.rival],
                                         discount[b, k] if k is not None else 0.0)
                            for b in range(len(a))])          # each world's
        c = model.actors.capability
        pressure = self.cost * rivalry * c[:, self.patron] / np.maximum(c[:, self.rival], 1e-12)
        model.mods.coop_cost[:, self.edges] = (pressure[:, None]
                                              * (1.0 - discount[:, self.edges]))
