"""Compilation of the model's hot loops with numba (cached on disk after the first run).

The yearly arithmetic over all relations is written as plain loops and compiled; the
loops visit relations in index order, so sums come out as numpy's ``bincount`` would.
"""

from numba import njit as _njit


def njit(fn=None, *, no_zero_division: bool = False):
    """Compile ``fn`` (``@njit``). ``@njit(no_zero_division=True)``: a kernel none of whose
    divisors can be zero says so, and its divisions skip Python's check for a zero
    divisor (numba's ``error_model="numpy"``); every quotient is the same IEEE one, only
    the branch before it goes (a third off the logit response's time)."""
    options = {"cache": True, "nogil": True}
    if no_zero_division:
        options["error_model"] = "numpy"
    if fn is None:
        return lambda f: _njit(**options)(f)
    return _njit(**options)(fn)
