"""Per-world random draws: each world of a batched model draws from its own generator, in
the order it would alone."""

from __future__ import annotations

import numpy as np


class WorldDraws:
    """Uniform draws for some of the directed relations of several worlds: each world's
    share comes from its own generator, in the order that world alone would draw it
    (its relations i -> j, then j -> i), so every world gets its single-run numbers."""

    def __init__(self, model, idx):
        rel = self.relations = model.relations
        self.rngs = model.rngs
        self.all = isinstance(idx, slice) and idx == slice(None)
        self.counts = [2 * r.E for r in rel.parts]
        if self.all:        # every relation: each world's draws split into i -> j, j -> i
            return
        idx = np.arange(2 * rel.E)[idx]
        backward = idx >= rel.E
        pair = np.where(backward, idx - rel.E, idx)
        world = np.searchsorted(rel.pair_offset, pair, side="right") - 1
        local = pair - rel.pair_offset[world] + np.where(backward, np.diff(rel.pair_offset)[world], 0)
        order = np.lexsort((local, world))      # position in the worlds' concatenated draws
        self.perm = np.empty_like(order)
        self.perm[order] = np.arange(len(order))
        self.counts = np.bincount(world, minlength=len(self.rngs))

    def random(self, shape):
        draws = [g.random(c) for g, c in zip(self.rngs, self.counts)]
        if self.all:
            return self.relations.from_worlds(draws).reshape(shape)
        return np.concatenate(draws)[self.perm].reshape(shape)
