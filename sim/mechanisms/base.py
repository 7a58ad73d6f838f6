"""What every mechanism is: hooks the engine calls, and the quantities it may write.

Hooks (a mechanism overrides the ones it needs; the engine calls only those):

* ``setup(model)`` once, after the actors, relations and programmes exist;
* ``on_year(model, year)`` at the start of every year, before the stage games;
* ``after_choices(model, year, played)`` after the year's moves (a :class:`Played`).

Writes (the engine state a mechanism may change; nothing else, and no private
attribute). Each quantity has one combination rule, so the order of the mechanisms
never changes a result. Every quantity has the world axis first (B worlds side by side,
one world is B = 1): a mechanism writes for one world's semantics on the last axes
(``model.blocked[:, k]``, ``model.join_bonus[:, p, who]``) and so for every world at once.

=======================  ==============================================================
``model.blocked``         (world, relation): the move is forced to compete (any ban)
``model.mods.*``          (world, relation): rivalry_discount, rho_extra, pair_bonus,
                          security_discount, coop_cost
                          (:class:`sim.game.payoffs.RelationModifiers`): each has one
                          writing mechanism (pair_bonus: milestones and the Wolf
                          Amendment's repeal, added; coop_cost: alliance_cost)
``model.join_bonus``      (world, programme, actor): added; cleared by the engine every year
``model.eligibility``     (world, programme, actor): ``grant`` / ``ban`` by mechanism name;
                          eligible = (configured | any grant) and not any ban
                          (:class:`sim.world.programmes.Eligibility`)
``model.close(p)``        programme ``p`` closes for good: no members from now on
``model.members``         (world, programme, actor): a mechanism may only remove members
``model.pace``            (world, actor): racing reaction multiplier (one writer: long_game)
``model.attractiveness``  (world, programme): milestones add
``model.actors``          (world, actor): capability, prestige (milestones), racing
                          (security spiral)
=======================  ==============================================================

Random draws come from ``model.draws`` (one generator per world, :mod:`sim.engine.draws`).

Policy mechanisms (``on_year``) read only what no other policy mechanism writes in the
same stage; milestones act after them, in the order of their config; the security
spiral acts after the choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.names import PROGRAMMES

#: programme indices by name (never by position in PROGRAMMES)
ARTEMIS, ILRS = PROGRAMMES.index("artemis"), PROGRAMMES.index("ilrs")
ISS, TIANGONG = PROGRAMMES.index("iss"), PROGRAMMES.index("tiangong")


@dataclass(frozen=True)
class Played:
    """What the year's choices produced, for ``after_choices``: each directed relation's
    rivalry (from the stage game), realised move (True: cooperate) and each pair's
    mutual cooperation."""

    rivalry: np.ndarray
    actions: np.ndarray
    mutual: np.ndarray


class Mechanism:
    """Base class: ``name`` is the key under ``mechanisms:`` in the config, ``Config`` the
    dataclass of its parameters (declared with :func:`sim.config.params.param`)."""

    name: ClassVar[str] = ""
    Config: ClassVar[type | None] = None

    @classmethod
    def from_config(cls, section: dict, cfg: dict) -> Mechanism:
        """The mechanism from its config section (``cfg`` is the whole config)."""
        return cls(section)

    def setup(self, model) -> None:
        pass

    def on_year(self, model, year: int) -> None:
        pass

    def after_choices(self, model, year: int, played: Played) -> None:
        pass
