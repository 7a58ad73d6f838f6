"""The model's per-year tables in the shape of Mesa's ``DataCollector``.

The engine fills one row of the model table per year (and, with ``record_actors``, one
block of the actor table) in compiled code; calling a Python reporter per column per
year, as ``mesa.DataCollector`` does, would cost more than the year itself. This object
reads those arrays and offers what Mesa's tools use of a DataCollector —
``model_vars``, ``get_model_vars_dataframe()``, ``get_agent_vars_dataframe()`` and the
collection steps that ``mesa.batch_run`` reads — so ``model.datacollector`` works as
Mesa expects and holds exactly :func:`sim.experiments.run.model_table` / :func:`sim.experiments.run.actor_table`.
It refers to its model weakly (no reference cycle).
"""

from __future__ import annotations

import weakref


class TableCollector:
    """``model.datacollector``: Mesa's DataCollector interface over the model's tables."""

    #: per-agent rows are in the actor table (get_agent_vars_dataframe), not per step
    agent_reporters: dict = {}
    agenttype_reporters: dict = {}

    def __init__(self, model):
        self._model = weakref.ref(model)
        self._agent_records: dict = {}
        self._agenttype_records: dict = {}
        self._cache = (-1, None)

    @property
    def _collection_steps(self) -> list[int]:
        """The Mesa steps at which a year was recorded (one per year, from 1)."""
        return list(range(1, self._model()._t + 1))

    @property
    def model_vars(self) -> dict[str, list]:
        """Column -> one value per recorded year (year included)."""
        t = self._model()._t
        if self._cache[0] != t:
            df = self.get_model_vars_dataframe()
            self._cache = (t, {c: df[c].tolist() for c in df.columns})
        return self._cache[1]

    def get_model_vars_dataframe(self):
        from sim.experiments.run import model_table
        return model_table(self._model())

    def get_agent_vars_dataframe(self):
        """The actor table (needs ``record_actors=True``)."""
        from sim.experiments.run import actor_table
        return actor_table(self._model())
