"""The outcome indices of one model-sized world (sim/outcome/indices.py): building and checking the
snapshot, the camps, the indices, the class. The world is synthetic but shaped like the
model's default one (sim/world/actors.py ``build_relations``: 4 space powers relating to
everyone, 16 named states relating to each other, 170 generated states with 2 regional
ties each: 190 actors, about 1,170 pairs, 2,340 directed relations)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.outcome.camps import assign_camps
from sim.outcome.indices import classify, compute
from sim.outcome.snapshot import WorldSnapshot


def model_sized_fields(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n_named, n_gen = 20, 170
    n = n_named + n_gen
    names = ["US", "China", "Russia", "ESA"] + [f"named_{k}" for k in range(n_named - 4)] + \
        [f"state_{k:03d}" for k in range(n_gen)]
    pair = np.zeros((n, n), dtype=bool)
    pair[:4, :] = pair[:, :4] = True
    pair[:n_named, :n_named] = True
    picks = rng.integers(4, n, size=(n_gen, 2))
    pair[np.arange(n_named, n)[:, None], picks] = True
    pair |= pair.T
    np.fill_diagonal(pair, False)
    i, j = np.nonzero(np.triu(pair, 1))
    coop_ij, coop_ji = rng.random(len(i)), rng.random(len(i))
    members = rng.random((4, n)) < np.array([[0.3], [0.2], [0.05], [0.3]])
    return dict(names=names, capability=np.r_[1.0, 0.6, 0.45, 0.5, rng.uniform(0, 0.3, n - 4)],
                alignment=np.r_[1.0, -1.0, -0.6, 0.5, rng.uniform(-1, 1, n - 4)], i=i, j=j,
                coop_ij=coop_ij, coop_ji=coop_ji,
                mutual=np.minimum(coop_ij, coop_ji) * rng.uniform(0.5, 1, len(i)),
                members=members, programme_names=("artemis", "ilrs", "iss", "tiangong"),
                programme_side=(1, -1, 1, -1), racing=rng.random(n), racing_max=np.ones(n))


@pytest.fixture(scope="module")
def fields():
    f = model_sized_fields()
    compute(WorldSnapshot(**f))             # compile (or load) the numba kernels
    return f


def _info(benchmark, label, f):
    benchmark.group = "indices"
    benchmark.extra_info.update(label=label, actors=len(f["names"]), relations=2 * len(f["i"]))


def test_snapshot_checked(benchmark, fields):
    """WorldSnapshot(...): arrays converted and validated (untrusted input)."""
    _info(benchmark, "indices: build and validate a snapshot", fields)
    benchmark(lambda: WorldSnapshot(**fields))


def test_camps(benchmark, fields):
    """assign_camps: camps and roles of every actor."""
    snap = WorldSnapshot(**fields)
    _info(benchmark, "indices: camps and roles", fields)
    benchmark(assign_camps, snap)


def test_indices(benchmark, fields):
    """compute: camps, then the bloc, race and collaboration indices."""
    snap = WorldSnapshot(**fields)
    _info(benchmark, "indices: camps and the three indices", fields)
    benchmark(compute, snap)


def test_snapshot_to_class(benchmark, fields):
    """All of it for one run: trusted snapshot (check=False), indices, class."""
    _info(benchmark, "indices: snapshot (unchecked) to class", fields)
    benchmark(lambda: classify(compute(WorldSnapshot(**fields, check=False))))
