"""The way a new Hydra user would sweep: a plain Hydra app, one Hydra job per run.

    python benchmarks/naive_hydra_app.py -m seed=1,2,3 output.root=/tmp/x sweep.name=naive

Each job composes the project's config (configs/, the same defaults as ``python -m sim``),
builds ONE SpaceRaceModel for ``cfg.seed``, runs it and writes its summary row as JSON
into the job's output folder (``<output.root>/sweeps/<sweep.name>/seed=<seed>/``). With
Hydra's basic launcher the jobs run one after another in this process.

Used by benchmarks/test_bench_compare.py; not part of the project's command line.
``record_actors=False`` so the model does exactly the work a run of the batched sweep
does (the per-actor table is not part of the summary row): the comparison is about
orchestration, not about the model.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # the project, if not installed

from sim.config.schema import register  # noqa: E402
from sim.mesa.model import SpaceRaceModel  # noqa: E402
from sim.experiments.run import summary  # noqa: E402

register()


@hydra.main(config_path="../configs", config_name="config", version_base="1.3")
def main(cfg) -> None:
    started = time.time()
    model = SpaceRaceModel(cfg, rng=int(cfg.seed), record_actors=False)
    model.run()
    row = {"seed": int(cfg.seed), **summary(model), "started": started, "finished": time.time()}
    out = Path(HydraConfig.get().runtime.output_dir)
    (out / "summary.json").write_text(json.dumps(row))


if __name__ == "__main__":
    main()
