"""The policy levers (configs/levers/): each lever's options as config values, and levers
as categorical uncertainties of a design."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.uncertainties import (
    DesignError,
    Uncertainty,
    _check_key,
    _config_file,
    _read_yaml,
)


@dataclass(frozen=True)
class Option:
    value: object
    label: str
    source: str


@dataclass(frozen=True)
class Lever:
    """A choice a government can make: the config key it sets and its options; the first
    option is the status quo."""

    key: str
    who: str
    what: str
    source: str
    options: tuple[Option, ...]

    @property
    def label(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def status_quo(self):
        return self.options[0].value

    def option(self, value_or_label) -> Option:
        for o in self.options:
            if o.value == value_or_label or o.label == value_or_label:
                return o
        raise DesignError(self.key, value_or_label,
                          f"allowed: {', '.join(f'{o.value!r} ({o.label})' for o in self.options)}")

    def override(self, value_or_label) -> str:
        """The Hydra override that sets this option, e.g.
        ``mechanisms.wolf_amendment.repeal_year=2025``."""
        value = self.option(value_or_label).value
        return f"{self.key}={_hydra_value(value)}"

    def as_uncertainty(self) -> Uncertainty:
        """The lever as a categorical parameter over its options (to put levers and
        uncertainties in one design); only for scalar options."""
        values = [o.value for o in self.options]
        if any(isinstance(v, (list, dict)) for v in values):
            raise DesignError(self.key, values, "only levers with scalar options can be sampled; "
                                                "run list-valued levers as separate jobs (override())")
        return Uncertainty(key=self.key, kind="categorical", values=tuple(values),
                           status="source", source=self.source,
                           reason=f"lever ({self.who}): {self.what}")


def _hydra_value(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(_hydra_value(v) for v in value) + "]"
    if isinstance(value, str):
        return f"'{value}'" if any(c in value for c in " ,[]{}=") else value
    return repr(value)


def load_levers(name: str | Path = "default") -> tuple[Lever, ...]:
    """The declared levers of ``configs/levers/<name>.yaml`` (or a path), in file order."""
    data = _read_yaml(_config_file("levers", name), "levers")
    out = []
    for key, spec in data["levers"].items():
        _check_key(key)
        if not isinstance(spec, dict):
            raise DesignError(key, spec, "a mapping with who, what, source, options")
        for field_ in ("who", "what", "source"):
            if not isinstance(spec.get(field_), str) or not spec[field_].strip():
                raise DesignError(f"{key}.{field_}", spec.get(field_), "a non-empty text")
        opts = spec.get("options")
        if not isinstance(opts, list) or len(opts) < 2:
            raise DesignError(f"{key}.options", opts, "a list of at least two options "
                                                      "(the first is the status quo)")
        options = []
        for i, o in enumerate(opts):
            if not isinstance(o, dict) or "value" not in o or not isinstance(o.get("label"), str) \
                    or not isinstance(o.get("source"), str):
                raise DesignError(f"{key}.options[{i}]", o, "{value, label, source}")
            options.append(Option(o["value"], o["label"], o["source"]))
        if len({json.dumps(o.value) for o in options}) != len(options):
            raise DesignError(f"{key}.options", [o.value for o in options], "values must be distinct")
        out.append(Lever(key, spec["who"].strip(), spec["what"].strip(), spec["source"].strip(),
                         tuple(options)))
    return tuple(out)


def with_levers(uncertainties, levers) -> tuple[Uncertainty, ...]:
    """Uncertainties followed by levers as categorical parameters (one design over the
    uncertainty-and-lever space, for scenario discovery)."""
    return tuple(uncertainties) + tuple(lv.as_uncertainty() for lv in levers)
