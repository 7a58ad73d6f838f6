"""Shared fixtures and hooks of the benchmark suite (see benchmarks/README.md).

* ``default_plain``: the default config (``python -m sim`` with no overrides), composed
  once per session and turned into a plain dict;
* ``plain_for``: the same for a list of overrides (cached per override list);
* a warm-up run before any benchmark, so numba's compiled kernels are loaded (and its
  on-disk cache exists for the subprocesses) before anything is timed;
* the scaling exponents (log-log slope of time per run over actors and over years),
  added to the ``--benchmark-json`` file and printed at the end of the session.
"""

from __future__ import annotations

import copy
import math
import os
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:          # helper modules beside the benchmarks
    sys.path.insert(0, str(BENCH_DIR))


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def pytest_configure(config):
    # pytest-benchmark does not create the folder of --benchmark-json
    path = config.getoption("benchmark_json", None)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config._spacerace_load_start = _load()


@pytest.fixture(scope="session")
def plain_for():
    """``plain_for(overrides)``: the composed config for those overrides, as a fresh
    plain dict (composed once per override list)."""
    from sim.config.schema import compose
    from sim.config.plain import to_plain
    from sim.config.validation import validate

    cache: dict[tuple, dict] = {}

    def get(overrides=()) -> dict:
        key = tuple(overrides)
        if key not in cache:
            plain = to_plain(compose(list(key)))
            validate(plain)
            cache[key] = plain
        return copy.deepcopy(cache[key])

    return get


@pytest.fixture(scope="session")
def default_plain(plain_for) -> dict:
    """The default config as a plain dict (built once; do not mutate)."""
    return plain_for(())


@pytest.fixture(scope="session", autouse=True)
def numba_warm(default_plain):
    """One full run and one stage-game call before timing anything."""
    from sim.mesa.model import SpaceRaceModel
    from sim.experiments.run import simulate, summary

    summary(simulate(default_plain, 0))
    SpaceRaceModel(default_plain, rng=0, record_actors=False).stage_games()


# --- scaling exponents -------------------------------------------------------------------

def scaling_exponents(points) -> dict:
    """Log-log slopes of time per run: ``points`` are (axis, x, seconds) triples;
    returns {axis: {"exponent": slope, "points": {x: seconds}}} for axes with >= 2 points."""
    import numpy as np

    by_axis: dict[str, dict] = {}
    for axis, x, seconds in points:
        by_axis.setdefault(axis, {})[int(x)] = float(seconds)
    out = {}
    for axis, pts in sorted(by_axis.items()):
        if len(pts) < 2:
            continue
        xs = sorted(pts)
        slope, _ = np.polyfit(np.log([float(x) for x in xs]), np.log([pts[x] for x in xs]), 1)
        out[axis] = {"exponent": round(float(slope), 3), "points": {str(x): pts[x] for x in xs}}
    return out


def _points_from_json(benchmarks: list[dict]):
    for b in benchmarks:
        info = b.get("extra_info") or {}
        if "scaling_axis" in info:
            yield info["scaling_axis"], info["scaling_x"], b["stats"]["mean"]


def pytest_benchmark_update_json(config, benchmarks, output_json):
    # the machine's load (1, 5, 15 min averages) at the start and end of the session:
    # other work on the machine inflates and scatters every number
    output_json["load_average"] = {"start": getattr(config, "_spacerace_load_start", None),
                                   "end": _load(), "cpus": os.cpu_count()}
    exps = scaling_exponents(_points_from_json(output_json.get("benchmarks", [])))
    if exps:
        output_json["scaling_exponents"] = exps


def pytest_terminal_summary(terminalreporter, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or session.disabled:
        return
    points = []
    for bench in session.benchmarks:
        info = getattr(bench, "extra_info", {}) or {}
        stats = getattr(bench, "stats", None)
        mean = getattr(stats, "mean", None)
        if "scaling_axis" in info and mean is not None and math.isfinite(mean):
            points.append((info["scaling_axis"], info["scaling_x"], mean))
    exps = scaling_exponents(points)
    if exps:
        terminalreporter.section("scaling exponents (time per run ~ x^k, log-log fit)")
        for axis, e in exps.items():
            pts = ", ".join(f"{x}: {1e3 * s:.1f} ms" for x, s in e["points"].items())
            terminalreporter.write_line(f"{axis}: k = {e['exponent']:.2f}   ({pts})")
