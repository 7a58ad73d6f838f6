"""The Mesa agent: one space power (a state, or ESA), a view onto the model's arrays."""

from __future__ import annotations

import weakref

import mesa

from sim.world.actors import DRAWN, KINDS, SCALAR
from sim.names import PROGRAMMES


class _Attribute:
    """Reads and writes one actor's entry of an :class:`~sim.world.actors.ActorState` array."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.actors, self.name)[agent.world, agent.index].item()

    def __set__(self, agent, value):
        getattr(agent.model.actors, self.name)[agent.world, agent.index] = value


class SpacePower(mesa.Agent):
    """A space power. Its attributes live in ``model.actors`` at position ``index`` of
    world 0 (``world``: the model's agents are the first world's actors).

    The yearly choices are made for all actors at once by the model (simultaneous
    moves); ``agent.strategy``, ``agent.memberships`` and ``agent.cooperates_with``
    expose them per actor.
    """

    world = 0

    for _attr in DRAWN + SCALAR + ("racing", "prestige", "science"):
        locals()[_attr] = _Attribute()
    del _attr

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name

    # The agent refers to its model weakly: the model holds its agents (Mesa's registry),
    # so a strong reference back would make a reference cycle that only the garbage
    # collector frees.
    @property
    def model(self):
        return self._model()

    @model.setter
    def model(self, model) -> None:
        self._model = weakref.ref(model)

    @property
    def kind(self) -> str:
        return KINDS[self.model.actors.kind[self.index]]

    @property
    def strategy(self) -> str:
        return self.model.strategy_of[self.index]

    @property
    def memberships(self) -> set[str]:
        return {p for k, p in enumerate(PROGRAMMES)
                if self.model.members[self.world, k, self.index]}

    def cooperates_with(self, other: SpacePower) -> bool | None:
        """This year's move toward ``other`` (None if the pair does not relate)."""
        k = self.model.relations.directed(self.index, other.index)
        return None if k is None else bool(self.model.last_actions[self.world, k])

    def __repr__(self) -> str:
        return f"SpacePower({self.name!r})"
