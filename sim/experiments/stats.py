"""Small statistics the report pieces share (binomial intervals)."""

from __future__ import annotations

import numpy as np

#: the two-sided 95% normal quantile
Z95 = 1.959963984540054


def wilson(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (vectorised); (low, high)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # exact at the ends (rounding leaves e.g. 8.7e-19 where the bound is 0)
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))
    high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return low, high
