"""Uncertainties, levers and sampling designs over them (EMA Workbench vocabulary).

**Uncertainties** (``configs/uncertainties/<name>.yaml``): parameters we do not know,
each keyed by the config key it sets, with a range or distribution, a status (number
from a source, direction only, assumption) and the reason for the range.
**Levers** (``configs/levers/<name>.yaml``): what a government can choose, keyed by the
config key the choice sets, with its options (the first is the status quo).

**Designs** are built with SALib — never a hand-written sampler:

* ``latin``  — Latin hypercube (``SALib.sample.latin``), N points;
* ``sobol``  — Saltelli's scheme on a scrambled Sobol' sequence (``SALib.sample.sobol``),
  ``N x (k + 2)`` points, or ``N x (2k + 2)`` with second-order indices; row order is
  SALib's (the analysis needs it);
* ``morris`` — Morris trajectories (``SALib.sample.morris``), ``N x (k + 1)`` points.

SALib samples a *sample space* that each parameter maps to its value:

==============  ===================  ==========================================
kind            sample-space bounds  value
==============  ===================  ==========================================
uniform         [low, high]          x
loguniform      [log10 low, log10 high]   10 ** x
integer         [0, 1]               low + min(floor(x * n), n - 1), n = high - low + 1
categorical     [0, 1]               values[min(floor(x * n), n - 1)], n = len(values)
==============  ===================  ==========================================

so every level of an integer or categorical parameter has the same probability, and
Morris and Sobol analyses work on the sample space (``Design.samples``), which SALib
expects. A design is deterministic in (parameters, kind, N, seed, options): build it
again and it is identical, bit for bit; ``to_json``/``from_json`` and
``write_parquet``/``read_parquet`` round-trip it exactly, so it can be part of a sweep
plan (resume, ``--verify``).

For the sweep runner: ``points(design)`` is a list of ``{config key: value}`` dicts, in
design order (``design_point`` = the index in that list); they apply to a config like
grid points (``sim.experiments.plan.apply_point``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.paths import CONFIG_DIR, SCENARIO_DIR  # noqa: E402
KINDS = ("uniform", "loguniform", "integer", "categorical")
STATUSES = ("source", "direction", "assumption")
DESIGNS = ("latin", "sobol", "morris")
FORMAT = "spacerace-design/1"


class DesignError(ValueError):
    """A bad uncertainty, lever or design request; its text is one line: the key, the bad
    value and what is allowed."""

    def __init__(self, key: str, value, allowed: str):
        super().__init__(f"{key}={value!r}: {allowed}")


# --- uncertainties ----------------------------------------------------------------------

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


# --- levers ------------------------------------------------------------------------------

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


# --- checking against a composed config ---------------------------------------------------

def config_value(plain: dict, key: str):
    """The value at dotted ``key`` of a plain config; KeyError if it does not exist."""
    node = plain
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def check_against_config(plain: dict, uncertainties=(), levers=()) -> None:
    """Every key exists in the composed config ``plain``; an uncertainty's default value
    lies inside its range; a lever's status-quo option is the default value."""
    for u in uncertainties:
        try:
            value = config_value(plain, u.key)
        except KeyError:
            raise DesignError(u.key, None, "not a key of the configuration") from None
        if not u.contains(value):
            raise DesignError(u.key, value, f"the default lies outside the declared range "
                                            f"({u.allowed()})")
    for lever in levers:
        try:
            value = config_value(plain, lever.key)
        except KeyError:
            raise DesignError(lever.key, None, "not a key of the configuration") from None
        if value != lever.status_quo:
            raise DesignError(lever.key, value, f"the default differs from the lever's status-quo "
                                                f"option {lever.status_quo!r}")


# --- designs -------------------------------------------------------------------------------

@dataclass
class Design:
    """An ordered table of points over ``params`` and how it was made.

    ``samples`` is SALib's matrix (rows = points, columns = params, in sample space);
    ``values`` the same points as parameter values keyed by config key."""

    kind: str
    params: tuple[Uncertainty, ...]
    N: int
    seed: int
    options: dict = field(default_factory=dict)
    samples: np.ndarray = field(default=None, repr=False)

    @property
    def keys(self) -> list[str]:
        return [u.key for u in self.params]

    @property
    def problem(self) -> dict:
        """The SALib problem dict (names are config keys, bounds in sample space)."""
        return {"num_vars": len(self.params), "names": self.keys,
                "bounds": [u.bounds for u in self.params]}

    @property
    def n_points(self) -> int:
        return int(self.samples.shape[0])

    def values(self) -> pd.DataFrame:
        """``design_point`` then one column per config key."""
        cols = {"design_point": np.arange(self.n_points)}
        for j, u in enumerate(self.params):
            values = u.transform(self.samples[:, j])
            # options keep their type (None stays None, 2025 stays an int)
            cols[u.key] = pd.Series(values, dtype=object) if u.kind == "categorical" else values
        return pd.DataFrame(cols)

    def meta(self) -> dict:
        return {"format": FORMAT, "kind": self.kind, "N": self.N, "seed": self.seed,
                "options": self.options, "n_points": self.n_points, "problem": self.problem,
                "parameters": [u.to_dict() for u in self.params]}

    def fingerprint(self) -> str:
        """SHA-256 (16 hex) of the metadata and the samples: equal designs, equal prints."""
        blob = json.dumps(self.meta(), sort_keys=True).encode() + self.samples.tobytes()
        return hashlib.sha256(blob).hexdigest()[:16]

    def __eq__(self, other) -> bool:
        return (isinstance(other, Design) and self.meta() == other.meta()
                and np.array_equal(self.samples, other.samples))


def points(design: Design) -> list[dict]:
    """The design's points for the sweep runner: ``[{config key: value}, ...]`` in design
    order (index = ``design_point``); plain Python values."""
    cols = [u.transform(design.samples[:, j]) for j, u in enumerate(design.params)]
    return [dict(zip(design.keys, row)) for row in zip(*cols)]


def _check_params(params) -> tuple[Uncertainty, ...]:
    params = tuple(params)
    if not params or not all(isinstance(u, Uncertainty) for u in params):
        raise DesignError("parameters", len(params), "at least one Uncertainty")
    keys = [u.key for u in params]
    if len(set(keys)) != len(keys):
        raise DesignError("parameters", keys, "keys must be distinct")
    return params


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise DesignError(name, value, f"a whole number >= {low}")
    return int(value)


def latin(params, N: int, seed: int) -> Design:
    """Latin hypercube of N points (``SALib.sample.latin``)."""
    from SALib.sample import latin as salib_latin

    d = Design("latin", _check_params(params), _check_int("N", N, 2), _check_int("seed", seed, 0))
    d.samples = salib_latin.sample(d.problem, d.N, seed=d.seed)
    return d


def sobol(params, N: int, seed: int, calc_second_order: bool = False) -> Design:
    """Saltelli's design for Sobol' indices (``SALib.sample.sobol``, scrambled, row order
    kept): N x (k + 2) points, or N x (2k + 2) with ``calc_second_order``. N must be a
    power of two (the Sobol' sequence's balance properties need it)."""
    from SALib.sample import sobol as salib_sobol

    N = _check_int("N", N, 2)
    if N & (N - 1):
        raise DesignError("N", N, "a power of two for a Sobol design (e.g. 256, 512, 1024)")
    d = Design("sobol", _check_params(params), N, _check_int("seed", seed, 0),
               {"calc_second_order": bool(calc_second_order)})
    d.samples = salib_sobol.sample(d.problem, N, calc_second_order=bool(calc_second_order),
                                   scramble=True, seed=d.seed)
    return d


def morris(params, N: int, seed: int, num_levels: int = 4,
           optimal_trajectories: int | None = None) -> Design:
    """N Morris trajectories of k + 1 points each (``SALib.sample.morris``); with
    ``optimal_trajectories`` r, the r most spread of the N (Campolongo)."""
    from SALib.sample import morris as salib_morris

    N = _check_int("N", N, 2)
    num_levels = _check_int("num_levels", num_levels, 2)
    if num_levels % 2:
        raise DesignError("num_levels", num_levels, "an even number (e.g. 4)")
    if optimal_trajectories is not None:
        optimal_trajectories = _check_int("optimal_trajectories", optimal_trajectories, 2)
        if optimal_trajectories >= N:
            raise DesignError("optimal_trajectories", optimal_trajectories, f"fewer than N ({N})")
    d = Design("morris", _check_params(params), N, _check_int("seed", seed, 0),
               {"num_levels": num_levels, "optimal_trajectories": optimal_trajectories})
    d.samples = salib_morris.sample(d.problem, N, num_levels=num_levels,
                                    optimal_trajectories=optimal_trajectories, seed=d.seed)
    return d


BUILDERS = {"latin": latin, "sobol": sobol, "morris": morris}


def build(kind: str, params, N: int, seed: int, **options) -> Design:
    """A design of ``kind`` (latin, sobol, morris) over ``params``."""
    if kind not in BUILDERS:
        raise DesignError("kind", kind, f"allowed: {', '.join(DESIGNS)}")
    return BUILDERS[kind](params, N, seed, **options)


#: Keys of a design spec (``from_spec``), e.g. a sweep's ``sweep.design`` entry.
SPEC_KEYS = ("kind", "N", "seed", "uncertainties", "levers", "calc_second_order", "num_levels",
             "optimal_trajectories")


def from_spec(spec: dict, scenario: str | dict | None = None) -> Design:
    """The design a spec describes — the interface for a sweep plan::

        {kind: sobol, N: 1024, seed: 1, uncertainties: default,   # a configs/uncertainties name
         levers: [mechanisms.wolf_amendment.repeal_year],          # optional: sampled levers
         calc_second_order: false}                                  # kind-specific options

    With ``scenario`` (a name or its overrides) the uncertainties are narrowed to it
    (:func:`for_scenario`). Deterministic: the same spec and scenario give the same
    design, so a resumed or verified sweep rebuilds exactly the points it ran."""
    if not isinstance(spec, dict):
        raise DesignError("design", spec, f"a mapping with {', '.join(SPEC_KEYS[:4])}")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise DesignError(f"design.{unknown[0]}", spec[unknown[0]],
                          f"unknown key; allowed: {', '.join(SPEC_KEYS)}")
    for key in ("kind", "N", "seed"):
        if spec.get(key) is None:
            raise DesignError(f"design.{key}", None, "required")
    name = spec.get("uncertainties") or "default"
    params = load_uncertainties(name)
    if scenario is not None:
        params = for_scenario(params, scenario, name)
    wanted = spec.get("levers") or []
    if wanted:
        levers = {lv.key: lv for lv in load_levers()}
        missing = [k for k in wanted if k not in levers]
        if missing:
            raise DesignError("design.levers", missing[0], f"allowed: {', '.join(levers)}")
        params = with_levers(params, [levers[k] for k in wanted])
    options = {k: spec[k] for k in SPEC_KEYS[5:] if spec.get(k) is not None}
    kind = spec["kind"]
    if kind in BUILDERS:
        allowed = {"sobol": {"calc_second_order"}, "morris": {"num_levels", "optimal_trajectories"},
                   "latin": set()}[kind]
        extra = sorted(set(options) - allowed)
        if extra:
            raise DesignError(f"design.{extra[0]}", options[extra[0]], f"not an option of a {kind} design")
    return build(kind, params, spec["N"], spec["seed"], **options)


# --- storage -------------------------------------------------------------------------------

def to_json(design: Design) -> str:
    """The design as JSON text (metadata, samples and points); floats round-trip exactly."""
    return json.dumps({**design.meta(), "samples": design.samples.tolist(),
                       "points": points(design)}, indent=1) + "\n"


def from_meta(meta: dict, samples) -> Design:
    """Rebuild a design from its metadata and samples, checking both (untrusted input)."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DesignError("design", (meta or {}).get("format") if isinstance(meta, dict) else meta,
                          f"not a design file (format {FORMAT})")
    try:
        params = tuple(Uncertainty.from_dict(p["key"], p) for p in meta["parameters"])
        d = Design(meta["kind"], params, int(meta["N"]), int(meta["seed"]),
                   dict(meta.get("options") or {}), np.asarray(samples, dtype=float))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DesignError):
            raise
        raise DesignError("design", type(exc).__name__, "a design file with kind, N, seed, "
                          "parameters and samples") from None
    if d.kind not in DESIGNS:
        raise DesignError("design.kind", d.kind, f"allowed: {', '.join(DESIGNS)}")
    if d.samples.ndim != 2 or d.samples.shape[1] != len(params) or meta.get("n_points") != len(d.samples):
        raise DesignError("design.samples", list(d.samples.shape),
                          f"{meta.get('n_points')} rows of {len(params)} values")
    return d


def from_json(text: str) -> Design:
    try:
        data = json.loads(text)
    except ValueError:
        raise DesignError("design", "JSON", "not valid JSON") from None
    if not isinstance(data, dict):
        raise DesignError("design", type(data).__name__, "a JSON object")
    d = from_meta(data, data.get("samples"))
    if "points" in data and data["points"] != points(d):
        raise DesignError("design.points", "…", "do not match the samples (edited file?)")
    return d


def save(design: Design, path: str | Path) -> None:
    """Write the design atomically: ``.json`` or ``.parquet`` (by suffix)."""
    from sim.io import atomic_write_bytes, atomic_write_text

    path = Path(path)
    if path.suffix == ".json":
        atomic_write_text(path, to_json(design))
    elif path.suffix == ".parquet":
        atomic_write_bytes(path, _table_bytes(_parquet_table(design)))
    else:
        raise DesignError("path", str(path), "a .json or .parquet file")


def _parquet_table(design: Design):
    import pyarrow as pa

    frame = design.values()
    for j, key in enumerate(design.keys):
        frame[f"sample:{key}"] = design.samples[:, j]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return table.replace_schema_metadata({b"spacerace.design": json.dumps(design.meta()).encode()})


def _table_bytes(table) -> bytes:
    import io

    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def load(path: str | Path) -> Design:
    """Read a design written by :func:`save` (``.json`` or ``.parquet``)."""
    path = Path(path)
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            raw = (table.schema.metadata or {}).get(b"spacerace.design")
            meta = json.loads(raw) if raw else None
            keys = [p["key"] for p in (meta or {}).get("parameters", [])]
            frame = table.to_pandas()
            samples = frame[[f"sample:{k}" for k in keys]].to_numpy() if keys else None
            return from_meta(meta, samples)
        return from_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DesignError("design", str(path), f"cannot read the file ({exc.strerror})") from None
    except (KeyError, ValueError) as exc:
        if isinstance(exc, DesignError):
            raise
        raise DesignError("design", str(path), "not a design file") from None


def with_levers(uncertainties, levers) -> tuple[Uncertainty, ...]:
    """Uncertainties followed by levers as categorical parameters (one design over the
    uncertainty-and-lever space, for scenario discovery)."""
    return tuple(uncertainties) + tuple(lv.as_uncertainty() for lv in levers)


__all__ = ["Uncertainty", "Lever", "Option", "Design", "DesignError", "load_uncertainties",
           "load_levers", "narrow", "narrowings", "for_scenario", "check_against_config",
           "latin", "sobol", "morris", "build", "points", "to_json", "from_json", "save", "load",
           "with_levers", "flatten", "config_value", "from_spec"]
