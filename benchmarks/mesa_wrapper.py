"""SpaceRaceModel as ``mesa.batch_run`` expects a model (used by test_bench_compare.py).

``batch_run`` calls ``model_cls(**kwargs)`` with the swept parameters and ``rng=<seed>``,
steps the model while ``model.running`` (and ``model.steps < max_steps``), and then reads
``model.datacollector`` (its ``model_vars`` at the last collected step). So the wrapper
takes the plain config as keyword ``config`` and collects the run's summary row (the same
row the batched sweep stores) once, when the run ends. It lives in its own module so
that batch_run's spawned worker processes can import it.
"""

from __future__ import annotations

import mesa

from sim.mesa.columns import MODEL_COLUMNS
from sim.mesa.model import SpaceRaceModel
from sim.experiments.run import summary


def summary_row(model) -> dict:
    return summary(model)


class BatchSpaceRaceModel(SpaceRaceModel):
    def __init__(self, config, rng=None):
        super().__init__(config, rng=rng, record_actors=False)
        self.datacollector = mesa.DataCollector(model_reporters={"summary": summary_row})

    def step(self) -> None:
        super().step()
        if not self.running:
            self.datacollector.collect(self)


def _year_value(k: int):
    return lambda model: float(model.model_rows[model._t - 1, k])


def final_summary(model):
    return None if model.running else summary(model)


class BatchSpaceRaceModelYears(SpaceRaceModel):
    """The same, collecting what the project's sweep stores: every year's row of the
    model table (one model reporter per column, collected after every step) and the
    summary row at the end (run with ``data_collection_period=1``)."""

    def __init__(self, config, rng=None):
        super().__init__(config, rng=rng, record_actors=False)
        reporters = {col: _year_value(k) for k, col in enumerate(MODEL_COLUMNS)}
        reporters["summary"] = final_summary
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
