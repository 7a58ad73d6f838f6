"""The uncertainties a design samples (configs/uncertainties/): each key's range, kind,
source status and reason; loading, narrowing per scenario."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from sim.paths import CONFIG_DIR, SCENARIO_DIR

KINDS = ("uniform", "loguniform", "integer", "categorical")
STATUSES = ("source", "direction", "assumption")


class DesignError(ValueError):
    """A bad uncertainty, lever or design request; its text is one line: the key, the bad
    value and what is allowed."""

    def __init__(self, key: str, value, allowed: str):
        super().__init__(f"{key}={value!r}: {allowed}")


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain parameter: the config key it sets and its range or options."""

    key: str
    kind: str
    low: float | int | None = None
    high: float | int | None = None
    values: tuple | None = None
    status: str = "assumption"
    source: str = "none"
    reason: str = ""

    @property
    def label(self) -> str:
        """The key without its config group (``world.threat_perception`` ->
        ``threat_perception``), for plots and rules."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def bounds(self) -> list[float]:
        """Bounds of the sample space SALib draws from."""
        if self.kind == "uniform":
            return [float(self.low), float(self.high)]
        if self.kind == "loguniform":
            return [math.log10(self.low), math.log10(self.high)]
        return [0.0, 1.0]

    @property
    def levels(self) -> int:
        return (int(self.high) - int(self.low) + 1) if self.kind == "integer" else len(self.values)

    def transform(self, x: np.ndarray) -> list:
        """Values of this parameter for sample-space coordinates ``x`` (plain Python
        values: float, int, or the categorical option)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "uniform":
            return [float(v) for v in x]
        if self.kind == "loguniform":
            return [float(v) for v in np.power(10.0, x)]
        idx = np.minimum(np.floor(np.clip(x, 0.0, 1.0) * self.levels), self.levels - 1).astype(int)
        if self.kind == "integer":
            return [int(self.low) + int(i) for i in idx]
        return [self.values[int(i)] for i in idx]

    def contains(self, value) -> bool:
        if self.kind == "categorical":
            return value in self.values
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "integer" and value != int(value):
            return False
        return self.low <= value <= self.high

    def allowed(self) -> str:
        if self.kind == "categorical":
            return f"one of {list(self.values)}"
        return f"{self.kind} in [{self.low}, {self.high}]"

    def to_dict(self) -> dict:
        out = {"key": self.key, "kind": self.kind, "status": self.status,
               "source": self.source, "reason": self.reason}
        if self.kind == "categorical":
            out["values"] = list(self.values)
        else:
            out["low"], out["high"] = self.low, self.high
        return out

    @classmethod
    def from_dict(cls, key: str, spec) -> Uncertainty:
        """Build and check one entry (``spec`` as in the YAML file)."""
        if not isinstance(spec, dict):
            raise DesignError(key, spec, "must be a mapping with kind, low/high or values, "
                                         "status, source, reason")
        unknown = set(spec) - {"key", "kind", "low", "high", "values", "status", "source", "reason"}
        if unknown:
            raise DesignError(f"{key}.{sorted(unknown)[0]}", spec[sorted(unknown)[0]],
                              "unknown field; allowed: kind, low, high, values, status, source, reason")
        _check_key(key)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise DesignError(f"{key}.kind", kind, f"allowed: {', '.join(KINDS)}")
        status = spec.get("status")
        if status not in STATUSES:
            raise DesignError(f"{key}.status", status, f"allowed: {', '.join(STATUSES)}")
        reason = spec.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise DesignError(f"{key}.reason", reason, "a sentence saying why this range is needed")
        source = spec.get("source", "none")
        if not isinstance(source, str) or not source.strip():
            raise DesignError(f"{key}.source", source, "a document and quote, or 'none'")
        common = {"key": key, "kind": kind, "status": status, "source": source.strip(),
                  "reason": " ".join(reason.split())}
        if kind == "categorical":
            values = spec.get("values")
            if not isinstance(values, list) or len(values) < 2:
                raise DesignError(f"{key}.values", values, "a list of at least two options")
            if any(isinstance(v, (dict, list)) for v in values):
                raise DesignError(f"{key}.values", values, "options must be scalars")
            if len({json.dumps(v) for v in values}) != len(values):
                raise DesignError(f"{key}.values", values, "options must be distinct")
            return cls(values=tuple(values), **common)
        low, high = spec.get("low"), spec.get("high")
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise DesignError(f"{key}.{name}", v, "a finite number")
            if kind == "integer" and not isinstance(v, int):
                raise DesignError(f"{key}.{name}", v, "a whole number (kind integer)")
        if not low < high:
            raise DesignError(f"{key}.high", high, f"must be greater than low ({low})")
        if kind == "loguniform" and low <= 0:
            raise DesignError(f"{key}.low", low, "must be > 0 for a log-uniform range")
        if kind != "integer":
            low, high = float(low), float(high)
        return cls(low=low, high=high, **common)


def _check_key(key) -> None:
    parts = key.split(".") if isinstance(key, str) else []
    if len(parts) < 2 or not all(p and p.replace("_", "a").replace(" ", "a").isalnum()
                                 for p in parts):
        raise DesignError("key", key, "a dotted config key such as world.threat_perception")


def _config_file(group: str, name: str | Path) -> Path:
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        return path
    options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
    if str(name) not in options:
        raise DesignError(group, str(name), f"allowed: {', '.join(options)} (or a .yaml path)")
    return CONFIG_DIR / group / f"{name}.yaml"


def _read_yaml(path: Path, top: str) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DesignError(top, str(path), f"cannot read the file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise DesignError(top, str(path), f"not valid YAML{where}") from None
    if not isinstance(data, dict) or not isinstance(data.get(top), dict) or not data[top]:
        raise DesignError(top, str(path), f"the file needs a non-empty '{top}:' mapping")
    return data


def load_uncertainties(name: str | Path = "default") -> tuple[Uncertainty, ...]:
    """The declared uncertainties of ``configs/uncertainties/<name>.yaml`` (or a path),
    in file order (an ``extends: <name>`` file adds to, or replaces entries of, that one)."""
    data = _read_yaml(_config_file("uncertainties", name), "uncertainties")
    out: dict[str, Uncertainty] = {}
    if data.get("extends"):
        out = {u.key: u for u in load_uncertainties(data["extends"])}
    for key, spec in data["uncertainties"].items():
        out[key] = Uncertainty.from_dict(key, spec)
    return tuple(out.values())


def narrowings(name: str | Path = "default") -> dict:
    """The file's ``narrow:`` section: scenario -> {key: {low, high} | {values}}."""
    data = _read_yaml(_config_file("uncertainties", name), "uncertainties")
    spec = data.get("narrow") or {}
    if not isinstance(spec, dict):
        raise DesignError("narrow", spec, "a mapping scenario -> {key: range}")
    return spec


def narrow(uncertainties, spec: dict) -> tuple[Uncertainty, ...]:
    """Narrow declared uncertainties: ``spec`` maps a key to ``{low, high}`` (a sub-range),
    ``{values: [...]}`` (a subset of the options) or a plain value (fixed: the key leaves
    the design). A narrowed range must lie inside the declared one."""
    by_key = {u.key: u for u in uncertainties}
    for key, how in spec.items():
        if key not in by_key:
            raise DesignError(key, how, f"not a declared uncertainty; declared: {', '.join(by_key)}")
        u = by_key[key]
        if not isinstance(how, dict):
            if not u.contains(how):
                raise DesignError(key, how, f"outside the declared range: {u.allowed()}")
            del by_key[key]
            continue
        if u.kind == "categorical":
            values = how.get("values")
            if not isinstance(values, list) or not values or any(v not in u.values for v in values):
                raise DesignError(f"{key}.values", values, f"a non-empty subset of {list(u.values)}")
            by_key[key] = replace(u, values=tuple(values)) if len(values) > 1 else None
        else:
            low, high = how.get("low", u.low), how.get("high", u.high)
            for name, v in (("low", low), ("high", high)):
                if not u.contains(v):
                    raise DesignError(f"{key}.{name}", v, f"outside the declared range: {u.allowed()}")
            if not low < high:
                raise DesignError(f"{key}.high", high, f"must be greater than low ({low})")
            by_key[key] = replace(u, low=low, high=high)
    return tuple(u for u in by_key.values() if u is not None)


def flatten(tree: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values)."""
    out = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def for_scenario(uncertainties, scenario: str | dict, name: str | Path = "default"):
    """The uncertainties of one scenario: every key the scenario file sets is fixed at the
    scenario's value (it defines the scenario, so it leaves the design), unless the
    uncertainties file's ``narrow:`` section gives that scenario a range for it.
    ``scenario`` is a scenario name (``scenarios/<name>.yaml``) or its overrides as a dict."""
    label = scenario if isinstance(scenario, str) else None
    if isinstance(scenario, str):
        path = SCENARIO_DIR / f"{scenario}.yaml"
        if not path.is_file():
            options = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
            raise DesignError("scenario", scenario, f"allowed: {', '.join(options)}")
        scenario = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    ranges = narrowings(name).get(label, {})
    fixed = set(flatten(scenario)) - set(ranges)
    return narrow(tuple(u for u in uncertainties if u.key not in fixed), ranges)
