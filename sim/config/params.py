"""Parameters declared once: a config field's type (the dataclass annotation), default,
range, unit, one-line description and source status live in one ``param(...)`` call;
validation (:mod:`sim.config.validation`), the parameter table (:func:`sim.config.table.rows`) and
``docs/PARAMETERS.md`` are derived from it.

Source status: ``"source"`` (a number from a source document), ``"direction"`` (the
documents give the direction only), ``"assumption"`` (with its reason in the YAML) or
``"convention"`` (a threshold fixed in advance by a stated convention, e.g. a midpoint).

Every parameter whose number is not from a source has a plausible range (:func:`sim.config.table.plausible`):
the range configs/uncertainties/ samples, with its reason there; otherwise the stated
conventions of that file: C1 (a positive magnitude: a third to three times the default)
or C2 (a weight or share the documents bound: its whole declared range).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import MISSING as _NO_DEFAULT
from dataclasses import field

from omegaconf import MISSING

#: the default upper bound of a non-negative quantity without a natural one: large
#: enough for any plausible setting, small enough that the yearly arithmetic (products
#: of a few such numbers over 200 years) stays finite
BIG = 1e6


def param(default=MISSING, *, lo: float = -math.inf, hi: float = math.inf, unit: str = "",
          doc: str = "", source: str = "assumption", lo_open: bool = False,
          message: str | None = None, default_factory=_NO_DEFAULT):
    """A config field with its declared range [lo, hi], unit, description and source."""
    meta = dict(lo=lo, hi=hi, unit=unit, doc=doc, source=source, lo_open=lo_open,
                message=message)
    if default_factory is not _NO_DEFAULT:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def prob(default=MISSING, **kw):
    """A probability or share in [0, 1]."""
    return param(default, lo=0.0, hi=1.0, message="must be a probability in [0, 1]", **kw)


def nonneg(default=MISSING, hi: float = BIG, **kw):
    """A non-negative number (bounded above by ``hi``)."""
    return param(default, lo=0.0, hi=hi, message="must be >= 0", **kw)


def declared(schema) -> list[tuple[str, dataclasses.Field]]:
    """The fields of a config dataclass that carry a declared range."""
    return [(f.name, f) for f in dataclasses.fields(schema) if "lo" in f.metadata]
