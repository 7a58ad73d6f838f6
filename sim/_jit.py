"""Compilation of the model's hot loops with numba (cached on disk after the first run).

The yearly arithmetic over all relations is written as plain loops and compiled; the
loops visit relations in index order, so sums come out as numpy's ``bincount`` would.
"""

from numba import njit as _njit


def njit(fn):
    return _njit(cache=True, nogil=True)(fn)
