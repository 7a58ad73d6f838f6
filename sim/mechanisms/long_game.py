"""China's long game: a marathon, not a sprint, with low tolerance of failure."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.mechanisms.base import Mechanism
from sim.config.params import prob


@dataclass
class LongGameConfig:
    actors: list[str] = field(default_factory=list)
    pace_discount: float = prob(doc="how much low failure tolerance slows racing reactions")


class LongGame(Mechanism):
    """China's long game: a marathon, not a sprint, with low tolerance of failure.

    002: "it has been engaged in a marathon rather than a sprint – with no hurry to
    achieve any of the goals by a specific deadline or before other countries"; "a
    leadership that always tends to play the long game and has a low tolerance for
    failure". 002: "the pursuit of prestige is primarily targeted at shaping perceptions
    among the Chinese people, rather than the international community" (this lives in
    China's attributes: high ``prestige_domestic``, high ``future_weight``).

    Causal pathway: the actor's racing reaction in the security spiral is slowed to
    ``1 - pace_discount * (1 - failure_tolerance)`` of its value (``model.pace``, set
    once) — it does not rush to match a rival.
    """

    name = "long_game"
    Config = LongGameConfig

    def __init__(self, cfg: dict):
        self.discount, self.names = float(cfg["pace_discount"]), list(cfg["actors"])

    def setup(self, model):
        who = model.named(*self.names)
        model.pace[:, who] = 1.0 - self.discount * (1.0 - model.actors.failure_tolerance[:, who])
