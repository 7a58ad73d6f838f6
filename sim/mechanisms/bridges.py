"""Europe and Canada as bridges between the camps."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.mechanisms.base import TIANGONG, Mechanism
from sim.config.params import prob


@dataclass
class BridgesConfig:
    actors: list[str] = field(default_factory=list)
    strength: float = prob(doc="rivalry discount on the bridges' relations and their pull to Tiangong")


class Bridges(Mechanism):
    """Europe and Canada as bridges between the camps.

    002: "The most auspicious route is surely for Europe and Canada, America's oldest
    and closest friends, to impress upon all parties that the human exploration of
    outer space can evolve into a no-win or a win-win situation. And Europe and Canada
    can engage more closely with China in the human exploration of outer space".
    004: "The European Space Agency has already signed an agreement with China's Space
    Agency send some astronauts aboard the CSS".

    Causal pathway: relations that involve a bridge actor carry ``strength`` less
    rivalry (``mods.rivalry_discount``, set once), and bridge actors gain ``strength`` in
    their wish to join Tiangong (``join_bonus``).
    """

    name = "bridges"
    Config = BridgesConfig

    def __init__(self, cfg: dict):
        self.strength = float(cfg["strength"])
        self.names = list(cfg["actors"])

    def setup(self, model):
        rel = model.relations
        self.actors_all = model.named(*self.names)
        bridge = np.zeros(model.actors.n, dtype=bool)
        bridge[self.actors_all] = True
        on_bridge = bridge[rel.src] | bridge[rel.dst]
        model.mods.rivalry_discount[:, on_bridge] = self.strength

    def on_year(self, model, year):
        model.join_bonus[:, TIANGONG, self.actors_all] += self.strength
