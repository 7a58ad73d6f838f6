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
        size = int(np.prod(shape))
        each = size // len(self.rngs)
        return np.concatenate([g.random(each) for g in self.rngs]).reshape(shape)
