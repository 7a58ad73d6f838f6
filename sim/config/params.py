"""Parameters declared once: a config field's type (the dataclass annotation), default,
range, unit, one-line description and source status live in one ``param(...)`` call;
validation (:mod:`sim.config.validation`), the parameter table (:func:`rows`) and
``docs/PARAMETERS.md`` are derived from it.

Source status: ``"source"`` (a number from a source document), ``"direction"`` (the
documents give the direction only), ``"assumption"`` (with its reason in the YAML) or
``"convention"`` (a threshold fixed in advance by a stated convention, e.g. a midpoint).

Every parameter whose number is not from a source has a plausible range (:func:`plausible`):
the range configs/uncertainties/ samples, with its reason there; otherwise the stated
conventions of that file: C1 (a positive magnitude: a third to three times the default)
or C2 (a weight or share the documents bound: its whole declared range).
"""

from __future__ import annotations

import dataclasses
import math
import typing
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


STATUS = {"source": "number from a source", "direction": "direction only",
          "assumption": "assumption", "convention": "convention"}


def _uncertainty_ranges() -> dict[str, str]:
    """Ranges configs/uncertainties/*.yaml samples, by config key."""
    from pathlib import Path

    import yaml
    out = {}
    from sim.paths import CONFIG_DIR
    folder = CONFIG_DIR / "uncertainties"
    for path in sorted(folder.glob("*.yaml")):
        for key, u in ((yaml.safe_load(path.read_text()) or {}).get("uncertainties") or {}).items():
            if "low" in u:
                out.setdefault(key, f"{u['low']:g}–{u['high']:g} ({u['kind']}; {path.name})")
            elif "values" in u:
                out.setdefault(key, f"{u['values']} ({path.name})")
    return out


def plausible(key: str, m: dict, default, sampled: dict) -> str:
    """The plausible range of a parameter that is not number-sourced (see the module
    docstring); '' for a number from a source, a year or a non-number."""
    if m["source"] == "source" or m["unit"] == "year":
        return ""
    if key in sampled:
        return sampled[key]
    if m["source"] == "convention":
        return "±20% (threshold-robustness table)"
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        return ""
    if m["lo"] >= 0 and m["hi"] <= 1:
        return f"{m['lo']:g}–{m['hi']:g} (C2: the whole range)"
    if default > 0:
        return f"{default / 3:.3g}–{min(3 * default, m['hi']):.3g} (C1: a third to three times)"
    return ""


def rows(values: dict | None = None, schema=None,
         prefix: str = "") -> list[tuple[str, str, str, object, str, str]]:
    """``(key, description, unit, default, range, status)`` of every declared parameter under
    ``schema`` (default: the whole :class:`sim.config.schema.Config`), in schema order; for
    ``--help`` listings and docs/PARAMETERS.md. ``values`` (a composed plain config, e.g.
    ``to_plain(compose([]))``) supplies the defaults the YAML files set; without it the
    default is the schema's (None where the YAML must set it)."""
    if schema is None:
        from sim.config.schema import Config
        schema = Config
    out = []
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        key = f"{prefix}{f.name}"
        kind = hints[f.name]
        sub = values.get(f.name) if isinstance(values, dict) else None
        if dataclasses.is_dataclass(kind):
            out += rows(sub, kind, key + ".")
        elif "lo" in f.metadata:
            m = f.metadata
            default = None if f.default == MISSING or f.default is _NO_DEFAULT else f.default
            if isinstance(values, dict) and f.name in values:
                default = values[f.name]
            out.append((key, m["doc"], m["unit"], default, _range_text(m), m["source"]))
    return out


def _range_text(m) -> str:
    return f"{'(' if m['lo_open'] else '['}{m['lo']:g}, {m['hi']:g}]"


def markdown(values: dict | None = None) -> str:
    """The declared parameters as a Markdown table (docs/PARAMETERS.md, "Declared ranges")."""
    from sim.config.schema import Config
    sampled = _uncertainty_ranges()
    meta = {key: f.metadata for key, f in _fields(Config)}
    lines = ["| key | description | unit | default | valid range | status | plausible range |",
             "|---|---|---|---|---|---|---|"]
    for key, doc, unit, default, rng, status in rows(values):
        shown = '' if default is None else default
        lines.append(f"| `{key}` | {doc} | {unit} | {shown} | {rng} | {STATUS[status]} | "
                     f"{plausible(key, meta[key], default, sampled)} |")
    return "\n".join(lines)


def _fields(schema, prefix: str = ""):
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _fields(hints[f.name], f"{prefix}{f.name}.")
        elif "lo" in f.metadata:
            yield f"{prefix}{f.name}", f


if __name__ == "__main__":      # python -m sim.config.params: the table for docs/PARAMETERS.md
    from sim.mesa.keywords import base_config
    print(markdown(base_config()))
