"""The sweep plan: which runs a job holds, where they go, and what makes two jobs the same.

One module for the experiment's facts, so the command line, the sweep and the report
read them from one place:

* points: a job runs an ordered list of parameter points (``{dotted.key: value}``
  dicts) times its seeds: ``sweep.grid``'s cartesian product, times (grid outer, design
  inner) the points of ``sweep.design`` when set (:func:`design_of`: a Latin hypercube,
  Sobol or Morris design from :mod:`sim.experiments.designs`, narrowed to the job's scenario; its
  fingerprint is part of the config hash, so a changed uncertainties file is a different
  sweep);
* :func:`apply_point`: a point applied to a plain config;
* :func:`config_hash`: what determines the results (not how they are computed:
  :data:`HOW_KEYS`);
* :func:`batched`: whether a job is a batched sweep or one run with its own files;
* folder names (:func:`run_dir`, :func:`job_dirname`): short, readable, one folder per
  definition, and an ``index.csv`` at each level (:func:`record_in_index`).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

#: Sweep settings that change how, not what, is computed: left out of the plan hash
#: and of folder names (so a resume with more workers lands in the same folder).
HOW_KEYS = ("workers", "executor", "ray_address", "progress", "name", "lockstep")
#: Sweep settings that change how many runs a job holds, not which experiment it is: left
#: out of folder names (a changed value then meets the stored hash and is refused).
SIZE_KEYS = ("seeds", "first_seed", "chunk_size")
#: Longest folder name written (file systems allow 255 bytes; leave room for temp files).
MAX_NAME = 100
#: runs of one job
MAX_RUNS = 10_000_000
#: Characters kept in folder names; any other becomes ``_`` (and the name gets a hash).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=,+\-]")


# --- points ----------------------------------------------------------------------------

def grid_points(plain: dict) -> list[dict]:
    """The cartesian product of ``sweep.grid`` as a list of {dotted.key: value} dicts."""
    grid = plain["sweep"]["grid"] or {}
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def n_points(plain: dict) -> int:
    """How many points :func:`grid_points` gives, without building them."""
    n = 1
    for values in (plain["sweep"]["grid"] or {}).values():
        n *= len(values) if isinstance(values, list) else 1
    return n


def apply_point(plain: dict, point: dict) -> dict:
    """A copy of ``plain`` with the point's dotted keys set (keys must exist)."""
    from sim.errors import ConfigError

    out = copy.deepcopy(plain)
    for dotted, value in point.items():
        node, parts = out, dotted.split(".")
        for k, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"sweep.grid.{dotted}", value,
                                  f"unknown key {'.'.join(parts[:k + 1])!r}")
            if k == len(parts) - 1:
                old = node[part]
                if isinstance(old, (dict, list)) and not isinstance(value, type(old)):
                    raise ConfigError(f"sweep.grid.{dotted}", value,
                                      f"must be a {type(old).__name__} like the default")
                if isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                node[part] = value
            else:
                node = node[part]
    return out


# --- the plan of one job ---------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """Which runs a job holds: every point times every seed, in a fixed order."""

    points: list[dict]
    seeds: range            # a range, not a list: it travels to every worker with each chunk
    chunk_size: int
    config_hash: str
    design_n: int = 0       # points of sweep.design (0: none); point i is design point i % design_n

    @classmethod
    def from_config(cls, plain: dict, points: list[dict] | None = None) -> Plan:
        sw = plain["sweep"]
        seeds = range(sw["first_seed"], sw["first_seed"] + sw["seeds"])
        design = design_of(plain)
        if points is None:
            points = grid_points(plain)
            if design is not None:
                from sim.experiments.designs import points as design_points

                inner = design_points(design)
                points = [{**g, **d} for g in points for d in inner]
        return cls(points, seeds, int(sw["chunk_size"]), config_hash(plain),
                   design.n_points if design is not None else 0)

    @property
    def n_runs(self) -> int:
        return len(self.points) * len(self.seeds)

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    def run(self, run_id: int) -> tuple[int, int]:
        """(point index, seed) of a run."""
        return run_id // len(self.seeds), self.seeds[run_id % len(self.seeds)]

    def chunk(self, k: int) -> range:
        return range(k * self.chunk_size, min((k + 1) * self.chunk_size, self.n_runs))


def config_hash(plain: dict) -> str:
    """Hash of everything that determines the results (not the executor settings); with
    a design, its fingerprint too (the design's points, not only its spec)."""
    what = copy.deepcopy(plain)
    for key in HOW_KEYS:
        what["sweep"].pop(key, None)
    if not what["sweep"].get("design"):
        what["sweep"].pop("design", None)       # no design: the hash of a plain sweep
    else:
        what["sweep"]["design"] = {**what["sweep"]["design"],
                                   "fingerprint": design_of(plain).fingerprint()}
    what.pop("output", None)
    blob = json.dumps(what, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def stored_hash(folder: Path) -> str | None:
    """The config hash of the sweep a job folder holds (None: no readable job.json)."""
    from sim.io import read_json

    try:
        old = read_json(folder / "job.json")
    except (OSError, ValueError):
        return None
    return old.get("config_hash") if isinstance(old, dict) else None


def batched(plain: dict, multirun: bool) -> bool:
    """Whether a job is a batched sweep (else one run with its own files)."""
    return multirun or plain["sweep"]["seeds"] > 1 or bool(plain["sweep"]["grid"])


# --- designs ------------------------------------------------------------------------

_DESIGNS: dict = {}


def design_of(plain: dict):
    """The :class:`sim.experiments.designs.Design` of ``sweep.design`` for this job's scenario (None
    without one); built once per process. A bad spec is a ``ConfigError`` naming
    ``sweep.design.<key>``."""
    spec = plain["sweep"].get("design")
    if not spec and isinstance(spec, (dict, type(None))):
        return None
    from sim.experiments import designs
    from sim.experiments.uncertainties import DesignError
    from sim.errors import ConfigError

    scenario = plain.get("scenario_name")
    key = (json.dumps(spec, sort_keys=True, default=str), scenario)
    if key not in _DESIGNS:
        try:
            if not isinstance(spec, dict):
                raise DesignError("design", spec, "a mapping such as {kind: latin, N: 100, seed: 1}")
            _DESIGNS[key] = designs.from_spec({k: v for k, v in spec.items() if v is not None},
                                              scenario)
        except DesignError as e:
            text = str(e)
            err = ConfigError("sweep.design", spec, text)
            err.args = (f"sweep.{text}" if text.startswith("design") else
                        f"sweep.design.{text}",)
            raise err from None
    return _DESIGNS[key]


# --- folder names -----------------------------------------------------------------------

def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def is_how(override: str) -> bool:
    """An override that changes how or where results are computed, not what."""
    key = _key(override)
    return (key.startswith(("hydra.", "hydra/", "output.")) or key in ("hydra", "output")
            or key in {f"sweep.{k}" for k in HOW_KEYS})


def _token(override: str) -> tuple[str, bool]:
    """A readable folder-name token for one override; whether it lost information."""
    key, _, value = override.partition("=")
    key = key.lstrip("+~")
    if key == "sweep.grid":                      # the keys, not the values (in the index)
        try:
            from hydra.core.override_parser.overrides_parser import OverridesParser
            grid = OverridesParser.create().parse_override(override).value()
            return "grid=" + "+".join(grid), False
        except Exception:  # noqa: BLE001 - an unparsable grid is refused elsewhere
            return "grid", True
    if key == "sweep.design":                    # design=sobol-N64-seed1 (rest: in the index)
        try:
            from hydra.core.override_parser.overrides_parser import OverridesParser
            spec = OverridesParser.create().parse_override(override).value()
            name = f"design={spec['kind']}-N{spec['N']}-seed{spec.get('seed')}"
            safe = _UNSAFE.sub("_", name)
            return safe, safe != name or bool(set(spec) - {"kind", "N", "seed"})
        except Exception:  # noqa: BLE001 - an unparsable design is refused elsewhere
            return "design", True
    text = f"{key}={value}" if not override.startswith("~") else f"no-{key}"
    safe = _UNSAFE.sub("_", text)
    return safe, safe != text


def _name(tokens: list[str], lossy: bool, full: str) -> str:
    name = ",".join(tokens).strip(".") or "default"
    if lossy or len(name) > MAX_NAME:
        tag = hashlib.sha1(full.encode()).hexdigest()[:6]
        name = name[: MAX_NAME - 8].rstrip(",") + "-" + tag
    return name


def job_dirname(overrides) -> str:
    """A sweep job's folder below ``sweeps/<name>``: its overrides that say what is run,
    e.g. ``scenario=cold_war_race,world.threat_perception=0.5``, or ``default``. The seed
    count and chunk size are left out, so a job asked with other counts meets the folder
    of the first and is refused, not run beside it."""
    keep = sorted(o for o in overrides if not is_how(o) and _key(o) not in
                  {f"sweep.{k}" for k in SIZE_KEYS})
    pairs = [_token(o) for o in keep]
    return _name([t for t, _ in pairs], any(lossy for _, lossy in pairs), "\n".join(keep))


def run_dir(root: str, scenario: str, seed, seeds, grid, name: str, overrides) -> str:
    """Where a job writes (the ``spacerace_dir`` resolver used by ``hydra.run.dir``).

    A single run goes to ``<root>/runs/<scenario>/seed<seed>``, followed by its other
    overrides when there are any (``seed42,world.horizon=2040``); a batched sweep (several
    seeds or a grid) goes to ``<root>/sweeps/<name>/<job_dirname>``, the same place a
    multirun job of the same overrides uses, so reruns resume."""
    overrides = list(overrides or [])
    if int(seeds) > 1 or len(grid or {}) > 0:
        return f"{root}/sweeps/{name}/{job_dirname(overrides)}"
    rest = sorted(o for o in overrides if not is_how(o) and _key(o) not in ("scenario", "seed")
                  and not _key(o).startswith("sweep."))
    pairs = [_token(o) for o in rest]
    return f"{root}/runs/{scenario}/" + _name([f"seed{seed}"] + [t for t, _ in pairs],
                                              any(lossy for _, lossy in pairs),
                                              "\n".join([str(seed), *rest]))


def sweep_dir(root: str, name: str) -> str:
    return f"{root}/sweeps/{name}"


def register_resolvers() -> None:
    from omegaconf import OmegaConf

    OmegaConf.register_new_resolver("spacerace_dir", run_dir, replace=True)
    OmegaConf.register_new_resolver("spacerace_dirname", job_dirname, replace=True)


# --- index.csv: folder -> overrides, at each level -----------------------------------

INDEX_COLUMNS = ("folder", "overrides", "scenario", "updated")


def record_in_index(folder: Path, overrides: list[str], scenario: str, when: str) -> None:
    """Add or update ``folder``'s row in ``index.csv`` of its parent (atomically, under a
    lock: jobs of one multirun may finish at once)."""
    from sim.io import FolderLock, atomic_write_text

    parent = folder.parent
    with FolderLock(parent / ".index.lock", wait=True):
        rows = read_index(parent)
        rows[folder.name] = {"folder": folder.name,
                             "overrides": " ".join(o for o in overrides if not is_how(o)),
                             "scenario": scenario, "updated": when}
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=INDEX_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for name in sorted(rows):
            writer.writerow(rows[name])
        atomic_write_text(parent / "index.csv", buf.getvalue())


def read_index(folder: Path) -> dict[str, dict]:
    try:
        with open(folder / "index.csv", newline="", encoding="utf-8") as fh:
            return {r["folder"]: {k: r.get(k, "") for k in INDEX_COLUMNS}
                    for r in csv.DictReader(fh) if r.get("folder")}
    except (OSError, ValueError, csv.Error):
        return {}
