"""The model itself, in this process: one full default run, the stage-game kernel,
and construction alone. Each round of the run benchmarks uses a new seed (1, 2, ...),
so the mean is over different runs of the same config."""

from __future__ import annotations

import itertools

from sim.mesa.model import SpaceRaceModel
from sim.experiments.run import simulate


def _seeded(plain, **kwargs):
    seeds = itertools.count(1)

    def setup():
        return (plain, next(seeds)), kwargs
    return setup


def test_full_default_run(benchmark, default_plain):
    """simulate(): build and run the default world (about 190 actors, 2021-2050)."""
    model = simulate(default_plain, 1)
    benchmark.group = "model"
    benchmark.extra_info.update(
        label="model: one full default run", runs=1, actors=int(model.actors.n),
        relations=int(2 * model.relations.E),
        years=int(model.horizon - model.start_year + 1))
    benchmark.pedantic(simulate, setup=_seeded(default_plain), rounds=40, warmup_rounds=2)


def test_stage_games(benchmark, default_plain):
    """model.stage_games(): every directed relation's stage game (R, S, T, P) for one
    year, on the default world as built (the 2021 state)."""
    model = SpaceRaceModel(default_plain, rng=1, record_actors=False)
    benchmark.group = "model"
    benchmark.extra_info.update(label="model: stage games, one year", actors=int(model.actors.n),
                                relations=int(2 * model.relations.E))
    benchmark(model.stage_games)
    stats = getattr(benchmark.stats, "stats", None)
    if stats is not None:
        benchmark.extra_info["ns_per_relation"] = round(1e9 * stats.mean / (2 * model.relations.E), 2)


def test_model_construction(benchmark, default_plain):
    """SpaceRaceModel(...): actors, relations, programmes, mechanisms and rules (no steps)."""
    benchmark.group = "model"
    benchmark.extra_info.update(label="model: construction only")
    benchmark.pedantic(SpaceRaceModel, setup=_seeded(default_plain, record_actors=False),
                       rounds=100, warmup_rounds=3)
