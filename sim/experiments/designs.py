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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.uncertainties import (DesignError, flatten, for_scenario, load_uncertainties,
                                           narrow, narrowings, Uncertainty)
from sim.experiments.levers import Lever, load_levers, Option, with_levers

DESIGNS = ("latin", "sobol", "morris")
FORMAT = "spacerace-design/1"


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


__all__ = ["Uncertainty", "Lever", "Option", "Design", "DesignError", "load_uncertainties",
           "load_levers", "narrow", "narrowings", "for_scenario", "check_against_config",
           "latin", "sobol", "morris", "build", "points", "to_json", "from_json", "save", "load",
           "with_levers", "flatten", "config_value", "from_spec"]
