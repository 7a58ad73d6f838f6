"""``python -m sim``: Hydra's command line, with every config checked before anything runs.

Before Hydra starts, the command's overrides are parsed, each combination of a
multirun is composed and validated (types by the structured schema, ranges and
references by :mod:`sim.config.validation`), and the output folder is checked for writing.
The first problem is printed as one line — the key, the bad value, what is allowed —
and the command exits with status 2, having written nothing.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import sys
from pathlib import Path

from sim.errors import EXIT_INTERRUPTED, EXIT_USAGE, UserError, fail  # noqa: F401 - re-exported
from sim.config.schema import CONFIG_DIR, compose  # noqa: F401 - re-exported (sim.cli.command.compose)
from sim.config.schema import session as _session
from sim.experiments.plan import (MAX_RUNS, apply_point, batched, config_hash, grid_points,  # noqa: F401 - re-exported
                      n_points, stored_hash)
from sim.paths import PROJECT_ROOT, SCENARIO_DIR  # noqa: F401 - re-exported

PASSTHROUGH = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
               "--resolve", "--shell-completion", "-sc", "--package", "-p"}
#: Bounds on the work one command may ask for (each is checked before anything runs).
MAX_JOBS = 2000                 # jobs of one multirun (each is composed and checked)
MAX_POINTS = 10_000             # grid points of one job (each is validated)
MAX_NAME = 64                   # characters of sweep.name (a folder name)
MAX_YAML_NODES = 200_000        # nodes of a YAML file once its aliases are expanded
MAX_YAML_BYTES = 2_000_000


# --- composing and checking -----------------------------------------------------------

def describe(exc: BaseException) -> str:
    """One line for a config error raised by Hydra, OmegaConf or our validation."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import (ConfigKeyError, GrammarParseError, OmegaConfBaseException,
                                  ValidationError)
    from yaml import YAMLError

    from sim.config.validation import ConfigError

    chain, e = [], exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, ConfigError):
            return str(e)
    for e in chain:
        if isinstance(e, MissingConfigException):
            missing = getattr(e, "missing_cfg_file", None) or ""
            group, _, name = str(missing).partition("/")
            options = _options(e)
            if group and options:
                return f"{group}={name}: unknown {group}; allowed: {', '.join(options)}"
            return _first_line(e)
        if isinstance(e, YAMLError):
            mark = getattr(e, "problem_mark", None)
            where = f" ({mark.name}, line {mark.line + 1})" if mark else ""
            return f"invalid YAML{where}: {getattr(e, 'problem', None) or _first_line(e)}"
    where = ""
    for e in chain:
        m = re.search(r"In '([^']+)'", str(e))
        if m:
            where = f" (in {m.group(1)}.yaml)"
            break
    for e in chain:
        m = re.search(r"Key '([^']+)' (?:is )?not in (?:struct|'(\w+)')", str(e))
        if m:
            key = next((getattr(x, "full_key", "") for x in chain if getattr(x, "full_key", "")),
                       "") or m.group(1)
            hint = "; to add a new entry write +key=value" if "struct" in str(e) else ""
            return f"{key}: unknown key {m.group(1)!r}{_allowed_keys(m.group(2))}{hint}{where}"
        m = re.search(r"is not a subclass of (\w+)", str(e))
        if m:
            group = {"ActorConfig": "actors", "MilestoneConfig": "milestones"}.get(m.group(1), "")
            key = getattr(e, "full_key", "") or "?"
            return (f"{group + '.' if group else ''}{key}: a new entry cannot be added from the "
                    f"command line; write it in a scenario file (README, Scenarios){where}")
    for e in chain:
        if isinstance(e, ValidationError):
            key = getattr(e, "full_key", "") or "?"
            value = getattr(e, "value", None)
            msg = _first_line(e)
            m = re.search(r"Value '(.*)' of type '(\w+)' could not be converted to (\w+)", msg)
            if m:
                kind = m.group(3).lower()
                kind = {"int": "integer", "bool": "boolean (true/false)"}.get(kind, kind)
                article = "an" if kind[0] in "aeiou" else "a"
                return f"{key}={m.group(1)!r}: must be {article} {kind}"
            return f"{key}={value!r}: {msg}"
        if isinstance(e, ConfigKeyError):
            key = getattr(e, "full_key", "") or "?"
            m = re.search(r"Key '([^']+)' (?:is )?not in", _first_line(e))
            bad = m.group(1) if m else key
            return (f"{key}: unknown key {bad!r}; check the spelling "
                    f"(`python -m sim --cfg job` lists every key)")
        if isinstance(e, GrammarParseError):
            return f"cannot parse value: {_first_line(e)}"
        if isinstance(e, OmegaConfBaseException):
            key = getattr(e, "full_key", "") or "?"
            return f"{key}: {_first_line(e)}"
    return _first_line(exc)


def _allowed_keys(schema: str | None) -> str:
    """'; allowed: a, b, c' for a schema dataclass name, or a pointer to --cfg."""
    import dataclasses

    from sim.config import schema as config

    cls = getattr(config, schema, None) if schema else None
    if cls is not None and dataclasses.is_dataclass(cls):
        return "; allowed: " + ", ".join(f.name for f in dataclasses.fields(cls))
    return " (`python -m sim --cfg job` lists every key)"


def _options(e) -> list[str]:
    options = getattr(e, "options", None)
    if options:
        return sorted(options)
    text = str(e)
    if "Available options" in text:
        return [line.strip() for line in text.split("Available options", 1)[1].splitlines()[1:]
                if line.strip()]
    return []


def _first_line(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.startswith(("full_key:", "object_type", "reference_type"))]
    return "; ".join(keep[:2]) if keep else lines[0]


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

    from sim.mesa.model import to_plain
    from sim.config.validation import ConfigError, validate

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
    from sim.config.validation import ConfigError

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


#: ``_target_`` classes the project's own configs may name (exact dotted names). None
#: today: every object the model builds is chosen by name from a registry instead.
PROJECT_TARGETS: frozenset[str] = frozenset()
#: Python logging handlers and formatters Hydra's logging config may name.
LOGGING_CLASSES = frozenset({"logging.StreamHandler", "logging.FileHandler",
                             "logging.NullHandler", "logging.Formatter"})
LOGGING_STREAMS = frozenset({"ext://sys.stdout", "ext://sys.stderr"})


@functools.lru_cache(maxsize=None)
def _plugin_targets(kind: str) -> frozenset[str]:
    """Exact class names of the installed Hydra launchers or sweepers."""
    from hydra.core.plugins import Plugins
    from hydra.plugins.launcher import Launcher
    from hydra.plugins.sweeper import Sweeper

    base = {"launcher": Launcher, "sweeper": Sweeper}[kind]
    return frozenset(f"{c.__module__}.{c.__qualname__}" for c in Plugins.instance().discover(base))


def check_targets(node, path: str = "") -> None:
    """No code from a config file or an override: ``_target_`` may only name exact,
    registered classes (Hydra's installed launchers and sweepers at ``hydra.launcher``
    and ``hydra.sweeper``); ``hydra.callbacks`` are refused, and Hydra's logging config
    may only use Python's standard handlers."""
    from sim.config.validation import ConfigError

    if isinstance(node, dict):
        if path == "hydra":
            callbacks = node.get("callbacks") or {}
            if callbacks:
                name = next(iter(callbacks))
                inner = callbacks[name]
                target = inner.get("_target_") if isinstance(inner, dict) else inner
                key = f"hydra.callbacks.{name}" + ("._target_" if isinstance(inner, dict) else "")
                raise ConfigError(key, target, "Hydra callbacks run code and are not allowed "
                                  "in spacerace configs or overrides")
            for section in ("job_logging", "hydra_logging"):
                check_logging(node.get(section), f"hydra.{section}")
        target = node.get("_target_")
        if target is not None:
            kind = {"hydra.launcher": "launcher", "hydra.sweeper": "sweeper"}.get(path)
            allowed = _plugin_targets(kind) if kind else PROJECT_TARGETS
            if target not in allowed:
                what = ", ".join(sorted(allowed)) if allowed else "none (no _target_ outside " \
                    "hydra.launcher and hydra.sweeper; choose launchers with hydra/launcher=)"
                raise ConfigError(f"{path}._target_".lstrip("."), target,
                                  "not a registered class; allowed: " + what)
        for key, value in node.items():
            check_targets(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            check_targets(value, f"{path}[{k}]")


def check_logging(node, path: str) -> None:
    """Python's ``logging.config.dictConfig`` builds any ``class``/``()`` it is given and
    resolves ``ext://`` to any object: allow only standard handlers and streams."""
    from sim.config.validation import ConfigError

    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key == "()":
                raise ConfigError(where, value, "custom logging factories are not allowed")
            if key == "class" and value not in LOGGING_CLASSES:
                raise ConfigError(where, value, "allowed: " + ", ".join(sorted(LOGGING_CLASSES)))
            if isinstance(value, str) and value.startswith(("ext://", "cfg://")) \
                    and value not in LOGGING_STREAMS:
                raise ConfigError(where, value, "allowed: " + ", ".join(sorted(LOGGING_STREAMS)))
            check_logging(value, where)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            check_logging(value, f"{path}[{k}]")


_PATH_KEY = re.compile(r"(dir|subdir|folder|path|file|filename)$")


def check_hydra_paths(cfg, plain: dict, multirun: bool) -> Path:
    """Every ``hydra.*`` key that names a place to write must lie inside ``output.root``
    (checked before Hydra writes its ``.hydra/`` record and its log); returns the job's
    folder."""
    from omegaconf import OmegaConf

    from sim.config.validation import ConfigError

    root = Path(plain["output"]["root"]).resolve()
    h = cfg.hydra
    sweep_dir = Path(h.sweep.dir)
    folder = sweep_dir / str(h.sweep.subdir) if multirun else Path(h.run.dir)
    where = "hydra.sweep.subdir" if multirun else "hydra.run.dir"

    def inside_root(key: str, value) -> None:
        if not Path(str(value)).resolve().is_relative_to(root):
            raise ConfigError(key, str(value), f"must lie inside output.root "
                              f"({plain['output']['root']!r}); names may not contain path "
                              "separators or '..'")

    inside_root("hydra.sweep.dir" if multirun else "hydra.run.dir",
                sweep_dir if multirun else folder)
    inside_root(where, folder)
    sub = h.output_subdir
    if sub is not None:
        inside_root("hydra.output_subdir", folder / str(sub))
        if Path(str(sub)).is_absolute() or not (folder / str(sub)).resolve().is_relative_to(
                folder.resolve()):
            raise ConfigError("hydra.output_subdir", str(sub),
                              "must be a plain folder name inside the job's folder (or null)")
    for entry in h.searchpath or []:
        text = str(entry)
        if text.startswith("file://"):
            if not Path(text[len("file://"):]).is_dir():
                raise ConfigError("hydra.searchpath", text, "must name an existing folder")
        elif not text.startswith("pkg://"):
            raise ConfigError("hydra.searchpath", text, "allowed: file://<folder> or pkg://<package>")
    whole = OmegaConf.to_container(cfg, resolve=False)
    container = whole["hydra"]
    container.setdefault("runtime", {})["output_dir"] = str(folder)
    view = OmegaConf.create(whole)      # where Hydra's log and launcher files will go, resolved

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                key_path = f"{path}.{key}"
                if key_path in ("hydra.runtime", "hydra.help", "hydra.hydra_help",
                                "hydra.overrides", "hydra.searchpath", "hydra.output_subdir",
                                "hydra.run", "hydra.sweep"):
                    continue
                if isinstance(value, str) and _PATH_KEY.search(str(key)):
                    resolved = OmegaConf.select(view, key_path, throw_on_missing=False)
                    if resolved is not None:
                        inside_root(key_path, resolved)
                walk(value, key_path)
        elif isinstance(node, list):
            for k, value in enumerate(node):
                walk(value, f"{path}[{k}]")

    walk(container, "hydra")
    return folder


def check_yaml_files(overrides: list[str]) -> None:
    """YAML files are untrusted: refuse huge ones and alias bombs (a few hundred bytes of
    anchors that expand to billions of nodes when Hydra copies the tree)."""
    import yaml

    from sim.config.validation import ConfigError

    folders = [CONFIG_DIR, SCENARIO_DIR]
    for o in overrides:
        if o.lstrip("+~").startswith("hydra.searchpath="):
            folders += [Path(m) for m in re.findall(r"file://([^,\]\s]+)", o)]
    seen = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.yaml"):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                size = real.stat().st_size
                if size > MAX_YAML_BYTES:
                    raise ConfigError(str(path), f"<{size} bytes>",
                                      f"config files may hold at most {MAX_YAML_BYTES} bytes")
                text = real.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "*" not in text or "&" not in text:
                continue
            try:
                node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            except yaml.YAMLError:
                continue                    # Hydra reports syntax errors with the file name
            if _expanded_size(node) > MAX_YAML_NODES:
                raise ConfigError(str(path), "<YAML aliases>", f"expands to more than "
                                  f"{MAX_YAML_NODES:,} values (an alias bomb); write the "
                                  "values out")


def _expanded_size(node, memo=None) -> int:
    """Nodes of a composed YAML tree with every alias expanded (counted, not built)."""
    memo = {} if memo is None else memo
    if node is None:
        return 0
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1                       # a recursive alias counts once
    value = node.value
    if isinstance(value, list):
        total = 1
        for item in value:
            if isinstance(item, tuple):
                total += _expanded_size(item[0], memo) + _expanded_size(item[1], memo)
            else:
                total += _expanded_size(item, memo)
            if total > MAX_YAML_NODES:
                break
    else:
        total = 1
    memo[key] = total
    return total


def inside(folder: Path, root: Path) -> bool:
    return folder.resolve().is_relative_to(root.resolve())


def check_writable(key: str, folder: str) -> None:
    """Make sure ``folder`` can be created and written (a probe file, removed again)."""
    import tempfile

    path = Path(folder)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        for p in missing:                       # leave nothing behind
            try:
                p.rmdir()
            except OSError:
                pass
        raise UserError(f"{key}={folder!r}: folder is not writable ({e.strerror})") from None


# --- the Hydra task -----------------------------------------------------------------

def task(cfg) -> None:
    """Run the job Hydra composed: one run, or a batched sweep of seeds and grid points."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.experiments import manifest
    from sim.mesa.model import to_plain
    from sim.experiments.plan import record_in_index
    from sim.config.validation import validate

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    plain = to_plain(cfg)
    validate(plain)
    if not inside(out, Path(plain["output"]["root"])):
        fail(f"output folder {str(out)!r} is outside output.root={plain['output']['root']!r}; "
             "names may not contain path separators or '..'")
    overrides = list(hc.overrides.task)
    is_batched = batched(plain, hc.mode == RunMode.MULTIRUN)
    try:
        record_in_index(out, overrides, plain["scenario_name"], manifest.now())
        if is_batched:
            record_in_index(out.parent, overrides if hc.mode != RunMode.MULTIRUN else
                            [a for a in sys.argv[1:] if not a.startswith("-")],
                            plain["scenario_name"], manifest.now())
    except OSError as e:
        _os_error(e, plain, out)
    if is_batched:
        from sim.experiments.sweep import run_job
        run_job(plain, out, overrides)
    else:
        run_single(plain, out)


def _os_error(e: OSError, plain: dict, out: Path):
    """A full disk (or another OS error while writing) as one line with what to do."""
    from sim.errors import EXIT_FAILED
    from sim.io import is_disk_full

    if is_disk_full(e):
        fail(f"output.root={plain['output']['root']!r}: the disk is full ({e.strerror}) while "
             f"writing {out}; free some space, then run the same command again", EXIT_FAILED)
    fail(f"output.root={plain['output']['root']!r}: cannot write {e.filename or out} "
         f"({e.strerror})", EXIT_FAILED)


def run_single(plain: dict, out: Path) -> dict:
    from omegaconf import OmegaConf

    from sim.experiments import manifest
    from sim.errors import EXIT_FAILED
    from sim.io import NonFiniteError, first_non_finite
    from sim.experiments.run import simulate, summary, write_run

    import numpy as np

    started = manifest.now()
    np.seterr(all="ignore")                     # an overflow is caught below, by name
    model = simulate(plain, plain["seed"], record_actors=True)
    bad = first_non_finite(summary(model)) or first_non_finite(model.model_rows, "yearly table")
    if bad:
        fail(f"seed={plain['seed']}: the run gave a non-finite {bad}: the config's numbers are "
             "too large for the model (an overflow); nothing was saved. Lower them "
             "(`python -m sim --help` lists the ranges)", EXIT_FAILED)
    resolved = OmegaConf.to_yaml(OmegaConf.create(plain))
    info = manifest.build(scenario=plain["scenario_name"], seed=plain["seed"],
                          started=started, finished=manifest.now())
    try:
        result = write_run(model, out, resolved, info,
                           actor_tables=plain["output"]["actor_table"], plot=plain["output"]["plot"])
    except NonFiniteError as e:
        fail(f"seed={plain['seed']}: {e}: not written (results are finite numbers only)",
             EXIT_FAILED)
    except OSError as e:
        _os_error(e, plain, out)
    print(f"spacerace · scenario {plain['scenario_name']} · seed {plain['seed']} · "
          f"{model.actors.n} actors · {model.start_year}–{model.horizon}")
    print(f"outcome: {result['outcome']}  (bloc {result['bloc']:.2f}, race {result['race']:.2f}, "
          f"collaboration {result['collaboration']:.2f}; "
          f"final {plain['outcome']['window']} years)")
    print(f"roles: US-led {result['role_us_led']} · China-led {result['role_china_led']} · "
          f"bridges {result['role_bridge']} · hedgers {result['role_hedger']} · "
          f"non-aligned {result['role_non_aligned']}")
    f = {k: int(v) for k, v in result.items() if k.startswith("final_")}
    print(f"programmes {model.horizon}: Artemis {f['final_members_artemis']} · ILRS "
          f"{f['final_members_ilrs']} · ISS {f['final_members_iss']} · Tiangong "
          f"{f['final_members_tiangong']} · in both Artemis and ILRS "
          f"{f['final_programme_hedgers']}")
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.endswith(".log"))
    print(f"files: {out}/ ({', '.join(files)})")
    return result


# --- help ---------------------------------------------------------------------------

#: The keys ``--help`` shows, by group (the rest: ``python -m sim --cfg job``).
HELP_KEYS = {
    "world": ("start_year", "horizon", "threat_perception", "rules_of_the_road"),
    "payoffs": ("coop_gain", "security_cost", "racing_cost"),
    "strategies": ("default", "noise"),
    "sweep": ("name", "seeds", "grid", "chunk_size", "workers", "executor"),
    "output": ("root", "actor_table", "plot"),
}
#: Units of the keys above (the YAML comments carry descriptions, not units).
HELP_UNITS = {"world.start_year": "year", "world.horizon": "year",
              "world.threat_perception": "x rivalry", "world.rules_of_the_road": "0..1",
              "payoffs.coop_gain": "capability/yr", "payoffs.security_cost": "capability/yr",
              "payoffs.racing_cost": "capability/yr", "strategies.noise": "probability",
              "sweep.seeds": "runs", "sweep.chunk_size": "runs", "sweep.workers": "processes"}


def help_rows() -> list[tuple[str, str, str, str, str]]:
    """(key, description, unit, default, range) rows for ``--help``, for the keys of
    :data:`HELP_KEYS`: from the parameters' declarations (``sim.config.table.rows``) where they
    are declared, else from the one-line comments of ``configs/<group>/default.yaml``."""
    from omegaconf import OmegaConf

    from sim.config.table import rows

    values = OmegaConf.to_container(compose([]), resolve=False)
    values.pop("hydra", None)
    declared = {r[0]: r for r in rows(values)}
    out = []
    for group, keys in HELP_KEYS.items():
        lines = (CONFIG_DIR / group / "default.yaml").read_text(encoding="utf-8").splitlines()
        for key in keys:
            name = f"{group}.{key}"
            if name in declared:
                k, text, unit, default, rng = declared[name][:5]
                out.append((k, text, unit or HELP_UNITS.get(name, ""), str(default), rng or ""))
                continue
            for line in lines:
                m = re.match(rf"{re.escape(key)}:\s*([^#]*?)\s*(?:#\s*(.*))?$", line)
                if m:
                    out.append((name, m.group(2) or "", HELP_UNITS.get(name, ""), m.group(1), ""))
                    break
    return out


def help_text() -> str:
    """What ``python -m sim --help`` prints: commands, groups and their options, the main
    keys with their one-line descriptions, and where to find the rest."""
    from omegaconf import OmegaConf

    header = OmegaConf.load(CONFIG_DIR / "config.yaml").hydra.help.header
    groups = sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir())
    out = [header, "", "Config groups (choose with group=option):"]
    for g in groups:
        out.append(f"  {g:<11} {', '.join(_group_options(g))}")
    out += ["", "Main keys (key=value; default, then meaning):"]
    for key, text, unit, default, rng in help_rows():
        text = f"{f'[{unit}] ' if unit else ''}{f'({rng}) ' if rng else ''}{text}"
        text = text if len(text) <= 90 else text[:87] + "..."
        out.append(f"  {key:<26} {default:<8} {text}")
    out += ["", "Every other key, its value and its source: `python -m sim --cfg job` and",
            "docs/PARAMETERS.md. Hydra's own options: `python -m sim --hydra-help`."]
    return "\n".join(out)


# --- the first compile ------------------------------------------------------------------

def note_first_compile() -> None:
    """One line on stderr when numba has no cached kernels yet (the first run compiles
    them, which takes about a minute and otherwise looks like a hang)."""
    cache = os.environ.get("NUMBA_CACHE_DIR")
    where = Path(cache) if cache else PROJECT_ROOT / "sim"
    if not any(where.rglob("*.nbi")):
        print("compiling the model's kernels (first run only, ~1 min) ...", file=sys.stderr,
              flush=True)


# --- the command --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    import hydra

    from sim.config.schema import register

    argv = list(sys.argv[1:] if argv is None else argv)
    register()
    flags = [a for a in argv if a.startswith("-")]
    multirun = "-m" in flags or "--multirun" in flags
    if any(f in ("--help", "-h") for f in flags):
        print(help_text())
        return
    lock = None
    if not any(f.split("=")[0] in PASSTHROUGH for f in flags):
        unknown = [f for f in flags if f not in ("-m", "--multirun")]
        if unknown:
            fail(f"unknown option {unknown[0]!r}; allowed: -m/--multirun, --help, --cfg, --info")
        try:
            jobs = check([a for a in argv if not a.startswith("-")], multirun)
        except UserError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted while checking the configuration, before anything ran; "
                 "run the same command again to resume", EXIT_INTERRUPTED)
        lock = lock_sweeps(jobs)
        note_first_compile()
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    sys.argv = [sys.argv[0] if sys.argv else "sim", *argv]
    entry = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(task)
    try:
        entry()
    except KeyboardInterrupt:
        fail("interrupted; finished work is saved — run the same command again to resume",
             EXIT_INTERRUPTED)
    finally:
        for held in lock or []:
            held.release()


def lock_sweeps(jobs: list[dict]) -> list:
    """Hold each sweep folder's lock for the whole command (all its jobs, whatever the
    launcher), so a second sweep on the same folder stops before Hydra writes anything,
    saying who holds it."""
    from sim.io import FolderLock, Locked
    from sim.experiments.sweep import in_use

    held = []
    for folder in sorted({j["sweep"] for j in jobs if j["batched"]}):
        try:
            held.append(FolderLock(folder / ".lock").__enter__())
        except Locked as e:
            for lk in held:
                lk.release()
            fail(in_use(folder.name, folder, e.holder))
        except OSError as e:
            fail(f"output.root: cannot lock {folder} ({e.strerror})")
    return held
