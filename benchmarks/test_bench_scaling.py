"""Time per run as the world grows: 50, 100, 200 and 400 actors (the 17 named actors
are fixed; a synthetic rest of the world, ``world.rest_of_world.count`` states, makes up
the rest) over the default 30 years,
and 10, 30 and 60 years (``world.horizon = 2021 + years - 1``) with the default actors.

Each point's config is composed with Hydra overrides (outside the timing) and checked
by the project's validation. Each round is a full run (construction included) with a
new seed. extra_info holds each point's time per run; the log-log slope over actors
and over years (numpy.polyfit) is computed at the end of the session (benchmarks/
conftest.py) and written into the --benchmark-json file as ``scaling_exponents``.
"""

from __future__ import annotations

import itertools

import pytest

from sim.experiments.run import simulate

NAMED = 17                      # named actors in configs/actors/documented.yaml
ACTORS = (50, 100, 200, 400)
YEARS = (10, 30, 60)
START = 2021


def _bench(benchmark, plain, axis, x, rounds):
    seeds = itertools.count(1)
    model = simulate(plain, 0)                       # also checks the point runs at all
    benchmark.group = f"scaling: {axis}"
    benchmark.extra_info.update(label=f"scaling: {x} {axis}", scaling_axis=axis, scaling_x=x,
                                runs=1, actors=int(model.actors.n), relations=int(2 * model.relations.E),
                                years=int(model.horizon - model.start_year + 1))
    benchmark.pedantic(simulate, setup=lambda: ((plain, next(seeds)), {}), rounds=rounds,
                       warmup_rounds=1)
    stats = getattr(benchmark.stats, "stats", None)
    if stats is not None:
        benchmark.extra_info["time_per_run_s"] = round(stats.mean, 6)
    return model


@pytest.mark.parametrize("actors", ACTORS)
def test_scaling_actors(benchmark, plain_for, actors):
    plain = plain_for(["world.rest_of_world.source=synthetic",
                       f"world.rest_of_world.count={actors - NAMED}"])
    model = _bench(benchmark, plain, "actors", actors, rounds=max(8, 2400 // actors))
    assert model.actors.n == actors


@pytest.mark.parametrize("years", YEARS)
def test_scaling_years(benchmark, plain_for, years):
    plain = plain_for([f"world.horizon={START + years - 1}"])
    assert plain["outcome"]["window"] <= years
    model = _bench(benchmark, plain, "years", years, rounds=max(8, 600 // years))
    assert model.horizon - model.start_year + 1 == years
