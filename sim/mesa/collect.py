"""The model's per-year tables in the shape of Mesa's ``DataCollector``.

The engine fills one row of the model table per year (and, with ``record_actors``, one
block of the actor table) in compiled code; calling a Python reporter per column per
year, as ``mesa.DataCollector`` does, would cost more than the year itself. This object
reads those arrays and offers what Mesa's tools use of a DataCollector —
``model_vars``, ``get_model_vars_dataframe()``, ``get_agent_vars_dataframe()`` and the
collection steps that ``mesa.batch_run`` reads — so ``model.datacollector`` works as
Mesa expects and holds exactly :func:`model_table` / :func:`actor_table`.
It refers to its model weakly (no reference cycle).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from sim.mesa.columns import ACTOR_COLUMNS, MODEL_COLUMNS
from sim.names import PROGRAMMES
from sim.outcome.rule import CAMPS
from sim.world.actors import KINDS


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
        return model_table(self._model())

    def get_agent_vars_dataframe(self):
        """The actor table (needs ``record_actors=True``)."""
        return actor_table(self._model())


def model_table(model) -> pd.DataFrame:
    """Per-year model table: year, then :data:`MODEL_COLUMNS`."""
    years = np.arange(model.start_year, model.start_year + model._t)
    df = pd.DataFrame(model.model_rows[: model._t], columns=list(MODEL_COLUMNS))
    counts = [c for c in MODEL_COLUMNS if c.startswith(("role_", "members_", "game_"))] + ["programme_hedgers"]
    df[counts] = df[counts].astype(np.int64)
    df.insert(0, "year", years)
    return df


def actor_table(model) -> pd.DataFrame:
    """Per-year per-actor table (needs ``record_actors=True``)."""
    t, n = model._t, model.actors.n
    rows = model.actor_rows[:t]                       # (years, columns, actors)
    data = {"year": np.repeat(np.arange(model.start_year, model.start_year + t), n),
            "actor": np.tile(np.array(model.names, dtype=object), t),
            "kind": np.tile(np.array(KINDS, dtype=object)[model.actors.kind], t),
            "strategy": np.tile(np.array(model.strategy_of, dtype=object), t)}
    for k, col in enumerate(ACTOR_COLUMNS):
        data[col] = rows[:, k, :].reshape(-1)
    df = pd.DataFrame(data)
    df["role"] = np.array(CAMPS, dtype=object)[df["role"].to_numpy().astype(int)]
    df["partners"] = df["partners"].astype(np.int64)
    for p in PROGRAMMES:
        df[f"in_{p}"] = df[f"in_{p}"].astype(bool)
    return df
