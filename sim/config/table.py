"""The declared parameters (:mod:`sim.config.params`) as a table: ``--help`` listings and
``docs/PARAMETERS.md`` (``python -m sim.config.table`` prints it), with each parameter's
plausible range (see :mod:`sim.config.params` for the conventions C1 and C2).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import MISSING as _NO_DEFAULT

from omegaconf import MISSING

from sim.paths import CONFIG_DIR

STATUS = {"source": "number from a source", "direction": "direction only",
          "assumption": "assumption", "convention": "convention"}


def _uncertainty_ranges() -> dict[str, str]:
    """Ranges configs/uncertainties/*.yaml samples, by config key."""
    import yaml

    out = {}
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


def main() -> None:
    """Print the table for docs/PARAMETERS.md (``python -m sim.config.table``)."""
    from sim.mesa.keywords import base_config
    print(markdown(base_config()))


if __name__ == "__main__":
    main()
