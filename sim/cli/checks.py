"""Composing and checking every job of a command before anything runs: expanding sweep
overrides, validating each job's config, the bounds on the work one command may ask for."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

from sim.cli.describe import _first_line, describe
from sim.cli.safety import (
    check_hydra_paths,
    check_targets,
    check_writable,
    check_yaml_files,
)
from sim.paths import CONFIG_DIR
from sim.config.schema import compose
from sim.config.schema import session as _session
from sim.errors import UserError
from sim.experiments.plan import (
    MAX_RUNS,
    apply_point,
    batched,
    config_hash,
    grid_points,
    n_points,
    stored_hash,
)

#: Bounds on the work one command may ask for (each is checked before anything runs).
MAX_JOBS = 2000                 # jobs of one multirun (each is composed and checked)
MAX_POINTS = 10_000             # grid points of one job (each is validated)


MAX_NAME = 64                   # characters of sweep.name (a folder name)


def expand(overrides: list[str]) -> list[list[str]]:
    """All override combinations a multirun of ``overrides`` would launch."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob
    from hydra.errors import OverrideParseException

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed += parser.parse_overrides([text])
        except OverrideParseException as e:
            raise UserError(f"{text}: cannot parse this override ({_first_line(e).split(';')[0]}); "
                            "see https://hydra.cc/docs/advanced/override_grammar/basic") from None
    for o in parsed:
        key, value = o.get_key_element().lstrip("+~"), o.value()
        if isinstance(value, dict) and not value:
            raise UserError(f"{key}={{}}: an empty mapping changes nothing (Hydra merges "
                            f"mappings); to drop an entry write ~{key}.<name>")
        if (value is None and not o.is_delete() and key != "experiment"
                and (CONFIG_DIR / key).is_dir()):
            options = ", ".join(_group_options(key))
            raise UserError(f"{key}=null: '{key}' is a config group; choose one of its files "
                            f"({options}) or set single keys such as {key}.<name>=<value>")
    axes = []
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            value = o.value()
            if isinstance(value, Glob):
                values = value.filter(_group_options(o.key_or_group))
            else:
                values = list(o.sweep_string_iterator())
            if not values:
                raise UserError(f"{key}: the sweep {o.input_line!r} selects nothing")
            axes.append([f"{key}={v}" for v in values])
        else:
            axes.append([o.input_line])
    return [list(c) for c in itertools.product(*axes)]


def _group_options(group: str) -> list[str]:
    folder = CONFIG_DIR / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def check(overrides: list[str], multirun: bool) -> list[dict]:
    """Compose and validate every job of the command before anything is written; return
    the jobs (``{"folder", "sweep", "hash", "batched"}``). Slow checks show progress."""
    with _session():
        return _check(overrides, multirun)


def _check(overrides: list[str], multirun: bool) -> list[dict]:
    from omegaconf import OmegaConf
    from tqdm import tqdm

    from sim.errors import ConfigError
    from sim.config.validation import validate
    from sim.config.plain import to_plain

    combos = expand(overrides)          # parse errors name the override
    if not multirun:
        combos = [overrides]
    try:
        check_yaml_files(overrides)
    except ConfigError as e:
        raise UserError(str(e)) from None
    if multirun:
        # sweeper params from config (e.g. an experiment file) add axes, unless overridden
        try:
            base = compose([c for c in overrides if "," not in c and "(" not in c])
        except Exception as e:  # noqa: BLE001 - reported as one line
            raise UserError(describe(e)) from None
        node = base.hydra.sweeper.get("params")
        params = OmegaConf.to_container(node) if node else {}
        given = {c.split("=", 1)[0].lstrip("+~") for c in overrides}
        extra = [f"{k}={v}" for k, v in params.items() if k not in given]
        if extra:
            axes = expand(extra)
            combos = [c + e for c in combos for e in axes]
    if len(combos) > MAX_JOBS:
        raise UserError(f"-m: {len(combos)} jobs; at most {MAX_JOBS} in one multirun: sweep "
                        "fine values inside a job with sweep.grid (batched, far cheaper)")
    roots, jobs = set(), []
    tqdm.monitor_interval = 0           # no monitor thread: sweep workers fork from one thread
    bar = tqdm(combos, desc="checking the configuration", unit="job", delay=2, leave=False,
               file=sys.stderr, disable=None if len(combos) > 1 else True)
    for combo in bar:
        try:
            cfg = compose(combo)
            check_targets(OmegaConf.to_container(cfg, resolve=False))
            plain = to_plain(cfg)
            check_sweep(plain)
            validate(plain)
            for point in grid_points(plain):
                validate(apply_point(plain, point))
            folder = check_hydra_paths(cfg, plain, multirun)
        except UserError:
            bar.close()
            raise
        except ConfigError as e:
            bar.close()
            raise UserError(str(e)) from None
        except Exception as e:  # noqa: BLE001 - any composition failure is a config error
            bar.close()
            raise UserError(describe(e)) from None
        roots.add(plain["output"]["root"])
        is_batched = batched(plain, multirun)
        if is_batched and stored_hash(folder) not in (None, config_hash(plain)):
            bar.close()
            raise UserError(f"sweep.name={plain['sweep']['name']!r}: the folder {folder} holds a "
                            f"different sweep (its config differs: other seeds, grid or "
                            f"values); run that sweep's own command to resume it, or choose "
                            f"another sweep.name")
        jobs.append({"folder": folder, "batched": is_batched, "hash": config_hash(plain),
                     "sweep": Path(plain["output"]["root"]) / "sweeps" / plain["sweep"]["name"]})
    bar.close()
    for root in roots:
        check_writable("output.root", root)
    return jobs


def check_sweep(plain: dict) -> None:
    """Bounds on what one job asks for: workers, runs, grid points, names, the root."""
    from sim.errors import ConfigError

    sw, root = plain["sweep"], plain["output"]["root"]
    if not isinstance(root, str) or not root.strip():
        raise ConfigError("output.root", root, "must name a folder, e.g. results")
    if isinstance(sw["name"], str) and len(sw["name"]) > MAX_NAME:
        raise ConfigError("sweep.name", sw["name"][:20] + "...",
                          f"at most {MAX_NAME} characters (it names a folder)")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers, limit = sw["workers"], max(cpus or 1, 2)     # 2: the documented default
    if (sw["executor"] == "local" and isinstance(workers, int) and not isinstance(workers, bool)
            and workers > limit):
        raise ConfigError("sweep.workers", workers,
                          f"at most {limit} (this process may use {cpus} CPUs)")
    grid = sw["grid"] or {}
    if isinstance(grid, dict) and all(isinstance(v, list) for v in grid.values()):
        points = n_points(plain)
        if points > MAX_POINTS:
            raise ConfigError("sweep.grid", f"<{points} points>",
                              f"at most {MAX_POINTS} points in one job; split the grid")
        seeds = sw["seeds"]
        if isinstance(seeds, int) and points * seeds > MAX_RUNS:
            raise ConfigError("sweep.seeds", seeds, f"at most {MAX_RUNS:,} runs in one job "
                              f"({points} grid points x seeds); split the sweep")
