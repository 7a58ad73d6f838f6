"""What a config may not do: run code through Hydra targets or logging handlers, write outside
the output root, or blow up YAML aliases (checked before Hydra writes anything)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sim.paths import CONFIG_DIR
from sim.errors import UserError
from sim.paths import SCENARIO_DIR

#: Bounds on a YAML file a command reads.
MAX_YAML_NODES = 200_000        # nodes of a YAML file once its aliases are expanded
MAX_YAML_BYTES = 2_000_000


#: Python logging handlers and formatters Hydra's logging config may name.
LOGGING_CLASSES = frozenset({"logging.StreamHandler", "logging.FileHandler",
                             "logging.NullHandler", "logging.Formatter"})
LOGGING_STREAMS = frozenset({"ext://sys.stdout", "ext://sys.stderr"})

#: ``_target_`` classes the project's own configs may name (exact dotted names). None
#: today: every object the model builds is chosen by name from a registry instead.
PROJECT_TARGETS: frozenset[str] = frozenset()


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
    from sim.errors import ConfigError

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
    from sim.errors import ConfigError

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

    from sim.errors import ConfigError

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

    from sim.errors import ConfigError

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
