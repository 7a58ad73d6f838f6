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

from sim.model import SpaceRaceModel
from sim.run import summary


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
