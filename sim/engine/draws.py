"""Per-world random draws: each world side by side draws from its own generator, in the
order it would alone, so world ``b`` of a batched model gets the numbers of a model run
with its seed alone."""

from __future__ import annotations

import numpy as np


class Draws:
    """Uniform draws for B worlds, world first: ``random(shape)`` splits ``shape`` (its
    leading axis, or a flat length, a multiple of B) into B equal parts and fills part
    ``b`` from generator ``b`` (in C order, as that generator alone would)."""

    def __init__(self, rngs: list[np.random.Generator]):
        self.rngs = rngs

    def random(self, shape) -> np.ndarray:
        if len(self.rngs) == 1:
            return self.rngs[0].random(shape)
        out = np.empty(shape)
        # each generator fills its world's part in place (no per-world arrays to join)
        for g, part in zip(self.rngs, out.reshape(len(self.rngs), -1)):
            g.random(out=part)
        return out
