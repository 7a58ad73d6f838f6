"""``python -m sim``: Hydra's command line, with every config checked before anything runs.

Before Hydra starts, the command's overrides are parsed, each combination of a
multirun is composed and validated (types by the structured schema, ranges and
references by :mod:`sim.validation`), and the output folder is checked for writing.
The first problem is printed as one line — the key, the bad value, what is allowed —
and the command exits with status 2, having written nothing.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "configs"
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
PASSTHROUGH = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i",
               "--resolve", "--shell-completion", "-sc", "--package", "-p"}
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, no traceback."""


def fail(message: str, code: int = EXIT_USAGE):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


# --- composing and checking -----------------------------------------------------------

def compose(overrides: list[str]):
    """Compose the config for ``overrides`` the way ``python -m sim`` would (for tests too)."""
    from sim.config import compose as compose_config
    return compose_config(overrides)


def describe(exc: BaseException) -> str:
    """One line for a config error raised by Hydra, OmegaConf or our validation."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import (ConfigKeyError, GrammarParseError, OmegaConfBaseException,
                                  ValidationError)
    from yaml import YAMLError

    from sim.validation import ConfigError

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

    from sim import config

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


def check(overrides: list[str], multirun: bool) -> int:
    """Compose and validate every job of the command; return the number of jobs."""
    from omegaconf import OmegaConf

    from sim.model import to_plain
    from sim.validation import ConfigError, validate

    combos = expand(overrides)          # parse errors name the override
    if not multirun:
        combos = [overrides]
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
    roots = set()
    for combo in combos:
        try:
            cfg = compose(combo)
            check_targets(OmegaConf.to_container(cfg, resolve=False))
            plain = to_plain(cfg)
            validate(plain)
            for point in grid_points(plain):
                validate(apply_point(plain, point))
        except UserError:
            raise
        except ConfigError as e:
            raise UserError(str(e)) from None
        except Exception as e:  # noqa: BLE001 - any composition failure is a config error
            raise UserError(describe(e)) from None
        roots.add(plain["output"]["root"])
        check_same_sweep(cfg, plain, multirun)
    for root in roots:
        check_writable("output.root", root)
    return len(combos)


def batched(plain: dict, multirun: bool) -> bool:
    """Whether a job is a batched sweep (else one run with its own files)."""
    return multirun or plain["sweep"]["seeds"] > 1 or bool(plain["sweep"]["grid"])


def check_same_sweep(cfg, plain: dict, multirun: bool) -> None:
    """Refuse, before Hydra writes anything, to run a changed config into a sweep folder
    that holds results of another config (same ``sweep.name`` and overrides)."""
    from sim.sweep import config_hash, stored_hash

    if not batched(plain, multirun):
        return
    folder = Path(cfg.hydra.sweep.dir) / cfg.hydra.sweep.subdir if multirun else Path(cfg.hydra.run.dir)
    if stored_hash(folder) not in (None, config_hash(plain)):
        raise UserError(f"sweep.name={plain['sweep']['name']!r}: the folder {folder} holds a "
                        f"different sweep (its config differs); choose another sweep.name or "
                        f"delete that folder")


#: Where ``_target_`` may point: the project's own classes; in the ``hydra`` node also
#: Hydra's own machinery and its installed plugins (launchers, sweepers).
TARGETS = ("sim.",)
HYDRA_TARGETS = ("sim.", "hydra.", "hydra_plugins.")


def check_targets(node, path: str = "") -> None:
    """Refuse any ``_target_`` outside the allowed packages (no arbitrary code from YAML)."""
    from sim.validation import ConfigError

    if isinstance(node, dict):
        allowed = HYDRA_TARGETS if path.split(".")[0] == "hydra" else TARGETS
        target = node.get("_target_")
        if target is not None and not (isinstance(target, str) and target.startswith(allowed)):
            raise ConfigError(f"{path}._target_".lstrip("."), target,
                              "may only name classes of " + ", ".join(p.rstrip(".") for p in allowed))
        for key, value in node.items():
            check_targets(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            check_targets(value, f"{path}[{k}]")


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


# --- grid points (fine sweeps inside one job) ----------------------------------------

def grid_points(plain: dict) -> list[dict]:
    """The cartesian product of ``sweep.grid`` as a list of {dotted.key: value} dicts."""
    grid = plain["sweep"]["grid"] or {}
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def apply_point(plain: dict, point: dict) -> dict:
    """A copy of ``plain`` with the grid point's dotted keys set (keys must exist)."""
    import copy

    from sim.validation import ConfigError

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


# --- the Hydra task -----------------------------------------------------------------

def task(cfg) -> None:
    """Run the job Hydra composed: one run, or a batched sweep of seeds and grid points."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.model import to_plain
    from sim.validation import validate

    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    plain = to_plain(cfg)
    validate(plain)
    if not inside(out, Path(plain["output"]["root"])):
        fail(f"output folder {str(out)!r} is outside output.root={plain['output']['root']!r}; "
             "names may not contain path separators or '..'")
    if batched(plain, hc.mode == RunMode.MULTIRUN):
        from sim.sweep import run_job
        run_job(plain, out, list(hc.overrides.task))
    else:
        run_single(plain, out)


def run_single(plain: dict, out: Path) -> dict:
    from omegaconf import OmegaConf

    from sim import manifest
    from sim.run import simulate, write_run

    started = manifest.now()
    model = simulate(plain, plain["seed"], record_actors=True)
    resolved = OmegaConf.to_yaml(OmegaConf.create(plain))
    info = manifest.build(scenario=plain["scenario_name"], seed=plain["seed"],
                          started=started, finished=manifest.now())
    result = write_run(model, out, resolved, info, actor_tables=plain["output"]["actor_table"],
                       plot=plain["output"]["plot"])
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


def main(argv: list[str] | None = None) -> None:
    import hydra

    from sim.config import register

    argv = list(sys.argv[1:] if argv is None else argv)
    register()
    flags = [a for a in argv if a.startswith("-")]
    multirun = "-m" in flags or "--multirun" in flags
    if not any(f.split("=")[0] in PASSTHROUGH for f in flags):
        unknown = [f for f in flags if f not in ("-m", "--multirun")]
        if unknown:
            fail(f"unknown option {unknown[0]!r}; allowed: -m/--multirun, --help, --cfg, --info")
        try:
            check([a for a in argv if not a.startswith("-")], multirun)
        except UserError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted while checking the configuration, before anything ran; "
                 "run the same command again to resume", EXIT_INTERRUPTED)
    os.environ.setdefault("HYDRA_FULL_ERROR", "0")
    sys.argv = [sys.argv[0] if sys.argv else "sim", *argv]
    entry = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(task)
    try:
        entry()
    except KeyboardInterrupt:
        fail("interrupted; finished work is saved — run the same command again to resume",
             EXIT_INTERRUPTED)
