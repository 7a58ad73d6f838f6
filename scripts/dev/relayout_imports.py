#!/usr/bin/env python3
"""Rewrite old flat module paths (``sim.model``, ``from sim import camps``, ``python -m
sim.calibrate``, ``_target_: sim.xxx``, ``sim/model.py``) to the package layout of issue 9
(``sim.mesa.model``, ``from sim.outcome import camps``, ...).

Idempotent: a path that already names a module of the new layout is left alone, so the
script can be run again after merging branches whose new code still uses the old paths::

    python scripts/dev/relayout_imports.py            # sim/ tests/ benchmarks/ scripts/ configs/ docs/ ...
    python scripts/dev/relayout_imports.py --readme   # ... and README.md
    python scripts/dev/relayout_imports.py --check    # list what would change; exit 1 if anything

Only text is rewritten (no module is imported); the old -> new table is :data:`MOVES`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: old module -> new module (issue 9's layout: the tree shows the architecture)
MOVES = {
    # the named world: actors and relations, programmes, the record's states, calibration
    "sim.actors": "sim.world.actors",
    "sim.programmes": "sim.world.programmes",
    "sim.states": "sim.world.states",
    "sim.world_states": "sim.world.world_states",
    "sim.calibrate": "sim.world.calibrate",
    # the game: payoffs (the stage game), rules (strategies), a match between two rules
    "sim.payoffs": "sim.game.payoffs",
    "sim.strategies": "sim.game.strategies",
    "sim.game": "sim.game.match",
    # measured outcomes
    "sim.outcome": "sim.outcome.rule",
    "sim.indices": "sim.outcome.indices",
    "sim.camps": "sim.outcome.camps",
    "sim.snapshot": "sim.outcome.snapshot",
    "sim.ternary": "sim.outcome.ternary",
    # the Mesa layer
    "sim.model": "sim.mesa.model",
    "sim.agents": "sim.mesa.agents",
    "sim.collect": "sim.mesa.collect",
    "sim.keywords": "sim.mesa.keywords",
    "sim.app": "sim.mesa.app",
    "sim.app_figures": "sim.mesa.app_figures",
    # configuration: schema and composition, validation, declared parameters
    "sim.config": "sim.config.schema",
    "sim.validation": "sim.config.validation",
    "sim.params": "sim.config.params",
    # experiments: one run, the sweep plan, executors, designs, analysis, report, plots
    "sim.run": "sim.experiments.run",
    "sim.plan": "sim.experiments.plan",
    "sim.sweep": "sim.experiments.sweep",
    "sim.designs": "sim.experiments.designs",
    "sim.analyze": "sim.experiments.analyze",
    "sim.report": "sim.experiments.report",
    "sim.report_decide": "sim.experiments.report_decide",
    "sim.report_outcomes": "sim.experiments.report_outcomes",
    "sim.report_world": "sim.experiments.report_world",
    "sim.plots": "sim.experiments.plots",
    "sim.manifest": "sim.experiments.manifest",
    # the command line
    "sim.cli": "sim.cli.command",
}
#: names that moved to another module (new module, name) -> new module (their one real
#: home: the old modules no longer re-export them)
SYMBOLS = {
    ("sim.config.params", "rows"): "sim.config.table",
    ("sim.config.params", "markdown"): "sim.config.table",
    ("sim.config.params", "plausible"): "sim.config.table",
    ("sim.config.params", "STATUS"): "sim.config.table",
    ("sim.experiments.plan", "check_design"): "sim.config.validation",
    # the model's compiled kernels and per-world draws (sim/engine/)
    ("sim.mesa.model", "_grow_kernel"): "sim.engine.growth",
    ("sim.mesa.model", "_partner_sums"): "sim.engine.growth",
    ("sim.mesa.model", "_realise"): "sim.engine.moves",
    ("sim.mesa.model", "_year_metrics"): "sim.engine.metrics",
    ("sim.mesa.model", "_year_metrics_worlds"): "sim.engine.metrics",
    ("sim.mesa.model", "WorldDraws"): "sim.engine.draws",
    ("sim.mesa.model", "ARTEMIS"): "sim.names",
    ("sim.mesa.model", "ILRS"): "sim.names",
    ("sim.mesa.model", "budget_productivity"): "sim.engine.growth",
    # agencies in camps (ESA from its member states)
    ("sim.outcome.camps", "camp_membership"): "sim.outcome.agencies",
    ("sim.outcome.camps", "agency_of_states"): "sim.outcome.agencies",
    ("sim.outcome.camps", "AGENCIES"): "sim.outcome.agencies",
    ("sim.outcome.camps", "AGENCY_MAJORITY"): "sim.outcome.agencies",
    # names split out of the modules of issue 9's first layout (no longer re-exported there)
    ("sim.cli.command", "CONFIG_DIR"): "sim.paths",
    ("sim.cli.command", "EXIT_INTERRUPTED"): "sim.errors",
    ("sim.cli.command", "EXIT_USAGE"): "sim.errors",
    ("sim.cli.command", "HELP_KEYS"): "sim.cli.help",
    ("sim.cli.command", "HELP_UNITS"): "sim.cli.help",
    ("sim.cli.command", "LOGGING_CLASSES"): "sim.cli.safety",
    ("sim.cli.command", "LOGGING_STREAMS"): "sim.cli.safety",
    ("sim.cli.command", "MAX_JOBS"): "sim.cli.checks",
    ("sim.cli.command", "MAX_NAME"): "sim.cli.checks",
    ("sim.cli.command", "MAX_POINTS"): "sim.cli.checks",
    ("sim.cli.command", "MAX_RUNS"): "sim.experiments.plan",
    ("sim.cli.command", "MAX_YAML_BYTES"): "sim.cli.safety",
    ("sim.cli.command", "MAX_YAML_NODES"): "sim.cli.safety",
    ("sim.cli.command", "PROJECT_ROOT"): "sim.paths",
    ("sim.cli.command", "SCENARIO_DIR"): "sim.paths",
    ("sim.cli.command", "UserError"): "sim.errors",
    ("sim.cli.command", "_PATH_KEY"): "sim.cli.safety",
    ("sim.cli.command", "_allowed_keys"): "sim.cli.describe",
    ("sim.cli.command", "_check"): "sim.cli.checks",
    ("sim.cli.command", "_expanded_size"): "sim.cli.safety",
    ("sim.cli.command", "_first_line"): "sim.cli.describe",
    ("sim.cli.command", "_group_options"): "sim.cli.checks",
    ("sim.cli.command", "_options"): "sim.cli.describe",
    ("sim.cli.command", "_os_error"): "sim.cli.task",
    ("sim.cli.command", "_plugin_targets"): "sim.cli.safety",
    ("sim.cli.command", "apply_point"): "sim.experiments.plan",
    ("sim.cli.command", "batched"): "sim.experiments.plan",
    ("sim.cli.command", "check"): "sim.cli.checks",
    ("sim.cli.command", "check_hydra_paths"): "sim.cli.safety",
    ("sim.cli.command", "check_logging"): "sim.cli.safety",
    ("sim.cli.command", "check_sweep"): "sim.cli.checks",
    ("sim.cli.command", "check_targets"): "sim.cli.safety",
    ("sim.cli.command", "check_writable"): "sim.cli.safety",
    ("sim.cli.command", "check_yaml_files"): "sim.cli.safety",
    ("sim.cli.command", "compose"): "sim.config.schema",
    ("sim.cli.command", "config_hash"): "sim.experiments.plan",
    ("sim.cli.command", "describe"): "sim.cli.describe",
    ("sim.cli.command", "expand"): "sim.cli.checks",
    ("sim.cli.command", "fail"): "sim.errors",
    ("sim.cli.command", "grid_points"): "sim.experiments.plan",
    ("sim.cli.command", "help_rows"): "sim.cli.help",
    ("sim.cli.command", "help_text"): "sim.cli.help",
    ("sim.cli.command", "inside"): "sim.cli.safety",
    ("sim.cli.command", "n_points"): "sim.experiments.plan",
    ("sim.cli.command", "run_single"): "sim.cli.task",
    ("sim.cli.command", "stored_hash"): "sim.experiments.plan",
    ("sim.cli.command", "task"): "sim.cli.task",
    ("sim.config.schema", "CONFIG_DIR"): "sim.paths",
    ("sim.config.schema", "MAJORS"): "sim.names",
    ("sim.config.schema", "PROGRAMMES"): "sim.names",
    ("sim.config.validation", "ConfigError"): "sim.errors",
    ("sim.experiments.analyze", "AnalysisError"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "CART_DEPTH"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "DEFAULT_METRICS"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "MIN_RUNS"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "ORDER"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "_cart_rule"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "_indices"): "sim.experiments.analysis.sensitivity",
    ("sim.experiments.analyze", "_inputs_frame"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "_matches"): "sim.experiments.analysis.policy",
    ("sim.experiments.analyze", "_num"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "_path_conditions"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "_same"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "attach_points"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "box_rule"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "choose_box"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "classes"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "design_runs"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "discover"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "find_design"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "find_designs"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "find_runs"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "group_column"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "need_columns"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "pair_runs"): "sim.experiments.analysis.policy",
    ("sim.experiments.analyze", "pick_metrics"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "plot_discovery"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "plot_policy"): "sim.experiments.analysis.policy",
    ("sim.experiments.analyze", "plot_sensitivity"): "sim.experiments.analysis.sensitivity",
    ("sim.experiments.analyze", "point_outputs"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "policy_effects"): "sim.experiments.analysis.policy",
    ("sim.experiments.analyze", "read_runs"): "sim.experiments.analysis.runs",
    ("sim.experiments.analyze", "sensitivity"): "sim.experiments.analysis.sensitivity",
    ("sim.experiments.analyze", "sentence"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "short_labels"): "sim.experiments.analysis.discovery",
    ("sim.experiments.analyze", "top_dimension"): "sim.experiments.analysis.discovery",
    ("sim.experiments.designs", "DesignError"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "KINDS"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "Lever"): "sim.experiments.levers",
    ("sim.experiments.designs", "Option"): "sim.experiments.levers",
    ("sim.experiments.designs", "STATUSES"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "Uncertainty"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "_check_key"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "_config_file"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "_hydra_value"): "sim.experiments.levers",
    ("sim.experiments.designs", "_read_yaml"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "flatten"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "for_scenario"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "load_levers"): "sim.experiments.levers",
    ("sim.experiments.designs", "load_uncertainties"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "narrow"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "narrowings"): "sim.experiments.uncertainties",
    ("sim.experiments.designs", "with_levers"): "sim.experiments.levers",
    ("sim.experiments.report", "BUNDLE_KEYS"): "sim.experiments.summary",
    ("sim.experiments.report", "JOB_KEYS"): "sim.experiments.results",
    ("sim.experiments.report", "MARKER"): "sim.experiments.results",
    ("sim.experiments.report", "MAX_JOB_BYTES"): "sim.experiments.results",
    ("sim.experiments.report", "MEAN_COLUMNS"): "sim.experiments.summary",
    ("sim.experiments.report", "SERIES"): "sim.experiments.summary",
    ("sim.experiments.report", "Skip"): "sim.experiments.results",
    ("sim.experiments.report", "Z95"): "sim.experiments.stats",
    ("sim.experiments.report", "_cell"): "sim.experiments.summary",
    ("sim.experiments.report", "_labels"): "sim.experiments.summary",
    ("sim.experiments.report", "_no_constants"): "sim.experiments.results",
    ("sim.experiments.report", "_numeric"): "sim.experiments.summary",
    ("sim.experiments.report", "_short"): "sim.experiments.results",
    ("sim.experiments.report", "_typed"): "sim.experiments.summary",
    ("sim.experiments.report", "_years"): "sim.experiments.results",
    ("sim.experiments.report", "aggregate_series"): "sim.experiments.summary",
    ("sim.experiments.report", "coarse_values"): "sim.experiments.results",
    ("sim.experiments.report", "find_jobs"): "sim.experiments.results",
    ("sim.experiments.report", "fmt_value"): "sim.experiments.summary",
    ("sim.experiments.report", "label_groups"): "sim.experiments.summary",
    ("sim.experiments.report", "load"): "sim.experiments.results",
    ("sim.experiments.report", "read_chunk"): "sim.experiments.results",
    ("sim.experiments.report", "read_job"): "sim.experiments.results",
    ("sim.experiments.report", "short_keys"): "sim.experiments.summary",
    ("sim.experiments.report", "summarise"): "sim.experiments.summary",
    ("sim.experiments.report", "summary_csv"): "sim.experiments.summary",
    ("sim.experiments.report", "wilson"): "sim.experiments.stats",
    ("sim.experiments.results", "MEAN_COLUMNS"): "sim.experiments.summary",
    ("sim.experiments.results", "SERIES"): "sim.experiments.summary",
    ("sim.experiments.results", "label_groups"): "sim.experiments.summary",
    ("sim.experiments.run", "actor_table"): "sim.mesa.collect",
    ("sim.experiments.run", "model_table"): "sim.mesa.collect",
    ("sim.experiments.sweep", "Plan"): "sim.experiments.plan",
    ("sim.experiments.sweep", "apply_point"): "sim.experiments.plan",
    ("sim.experiments.sweep", "grid_points"): "sim.experiments.plan",
    ("sim.experiments.sweep", "stored_hash"): "sim.experiments.plan",
    ("sim.mesa.model", "ACTOR_COLUMNS"): "sim.mesa.columns",
    ("sim.mesa.model", "CEILING"): "sim.engine.growth",
    ("sim.mesa.model", "MODEL_COLUMNS"): "sim.mesa.columns",
    ("sim.mesa.model", "TRACKED_PAIRS"): "sim.mesa.columns",
    ("sim.mesa.model", "to_plain"): "sim.config.plain",
    ("sim.world.calibrate", "CALIBRATION_FILE"): "sim.world.calibration",
    ("sim.world.calibrate", "CalibrationError"): "sim.world.calibration",
    ("sim.world.calibrate", "calibrated"): "sim.world.calibration",
    ("sim.world.calibrate", "load_calibration"): "sim.world.calibration",
}
#: modules of the new layout (and packages): a dotted path starting with one of these is new
#: (with every module now under sim/, found when the script runs)
NEW = set(MOVES.values()) | {"sim.world", "sim.game", "sim.outcome", "sim.mesa", "sim.config",
                             "sim.experiments", "sim.cli", "sim.engine", "sim.mechanisms",
                             # modules new in the layout (pieces split out of older ones)
                             "sim.paths", "sim.config.plain", "sim.config.table", "sim.mesa.columns",
                             "sim.world.calibration", "sim.experiments.stats"}
NEW |= {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "sim").rglob("*.py") if p.parent != ROOT / "sim"}
#: old modules whose name is now a package: ``sim.config`` alone is the old module
COLLIDING = {old for old in MOVES if old in NEW}

DIRS = ("sim", "tests", "benchmarks", "scripts", "configs", "docs", "scenarios", ".ci")
FILES = ("Makefile", "pyproject.toml")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".sh", ""}

_DOTTED = re.compile(r"(?<![\w.])sim((?:\.\w+)+)")
_FROM_SIM = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+sim[ \t]+import[ \t]+(?P<names>[^\n#(]+?)"
                       r"(?P<tail>[ \t]*(?:#[^\n]*)?)$", re.M)
_FROM = re.compile(r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>sim[\w.]*)[ \t]+import[ \t]+"
                   r"(?:\((?P<paren>[^)]*)\)|(?P<names>[^\n#(]+?))(?P<tail>[ \t]*(?:#[^\n]*)?)$", re.M)
_PATH = re.compile(r"(?<![\w/.])sim/(\w+)\.py\b")


def _is_new(dotted: str) -> bool:
    """``dotted`` already names (something in) a module of the new layout."""
    parts = dotted.split(".")
    for k in range(len(parts), 1, -1):
        head = ".".join(parts[:k])
        if head in NEW and head not in COLLIDING:
            return True
        if head in COLLIDING and k < len(parts) and f"{head}.{parts[k]}" in NEW:
            return True
    return False


def _map(dotted: str) -> str:
    if _is_new(dotted):
        return dotted
    parts = dotted.split(".")
    for k in range(len(parts), 1, -1):
        head = ".".join(parts[:k])
        if head in MOVES:
            return ".".join([MOVES[head], *parts[k:]])
    return dotted


def _from_sim(m: re.Match) -> str:
    """``from sim import camps, plots as P`` -> one line per new package."""
    groups: dict[str, list[str]] = {}
    for item in m["names"].split(","):
        item = item.strip()
        if not item:
            continue
        name, _, alias = (s.strip() for s in item.partition(" as "))
        new = MOVES.get(f"sim.{name}")
        if new is None:
            groups.setdefault("sim", []).append(item)
            continue
        package, leaf = new.rsplit(".", 1)
        alias = alias or name
        groups.setdefault(package, []).append(leaf if leaf == alias else f"{leaf} as {alias}")
    lines = [f"{m['indent']}from {package} import {', '.join(names)}" for package, names in groups.items()]
    lines[0] += m["tail"]
    return "\n".join(lines)


def _dotted(m: re.Match, text: str) -> str:
    dotted = "sim" + m[1]
    after = text[m.end():m.end() + 200]
    before = text[max(0, m.start() - 40):m.start()]
    # ``from sim.config import schema``: already the new layout
    imp = re.match(r"[ \t]+import[ \t]+\(?\s*(\w+)", after)
    if imp and re.search(r"from[ \t]+$", before) and f"{dotted}.{imp[1]}" in NEW:
        return m[0]
    return _map(dotted)


def _path(m: re.Match) -> str:
    new = MOVES.get(f"sim.{m[1]}")
    return m[0] if new is None else new.replace(".", "/") + ".py"


def _symbols(m: re.Match) -> str:
    """``from sim.config.params import param, markdown`` -> two imports (see :data:`SYMBOLS`)."""
    module = m["module"]
    if not any(mod == module for mod, _ in SYMBOLS):
        return m[0]
    items = [i.strip() for i in (m["paren"] or m["names"]).replace("\n", " ").split(",") if i.strip()]
    groups: dict[str, list[str]] = {}
    for item in items:
        name = item.split(" as ")[0].strip()
        groups.setdefault(SYMBOLS.get((module, name), module), []).append(item)
    if list(groups) == [module]:
        return m[0]
    lines = [f"{m['indent']}from {mod} import {', '.join(names)}" for mod, names in groups.items()]
    lines[0] += m["tail"]
    return "\n".join(lines)


def _dotted_symbol(m: re.Match) -> str:
    module, _, name = m[0].rpartition(".")
    return f"{SYMBOLS[(module, name)]}.{name}" if (module, name) in SYMBOLS else m[0]


KEEP = "relayout: keep"      # a line with this comment is left as it is


def rewrite(text: str) -> str:
    if KEEP in text:
        lines = text.splitlines(keepends=True)
        kept = {k: line for k, line in enumerate(lines) if KEEP in line}
        marks = [f"\0{k}\0\n" if k in kept else line for k, line in enumerate(lines)]
        out = _rewrite("".join(marks)).splitlines(keepends=True)
        return "".join(kept[int(line[1:-2])] if line.startswith("\0") else line for line in out)
    return _rewrite(text)


def _rewrite(text: str) -> str:
    text = _FROM_SIM.sub(_from_sim, text)
    text = _DOTTED.sub(lambda m: _dotted(m, text), text)
    text = _FROM.sub(_symbols, text)
    text = _DOTTED.sub(_dotted_symbol, text)
    return _PATH.sub(_path, text)


def targets(readme: bool):
    for d in DIRS:
        for p in sorted((ROOT / d).rglob("*")):
            if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts \
                    and p.resolve() != Path(__file__).resolve() and not p.name.endswith(".png"):
                yield p
    for f in FILES + (("README.md",) if readme else ()):
        if (ROOT / f).is_file():
            yield ROOT / f


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readme", action="store_true", help="rewrite README.md too")
    ap.add_argument("--check", action="store_true", help="only list the files that would change")
    args = ap.parse_args(argv)
    changed = []
    for p in targets(args.readme):
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        new = rewrite(text)
        if new != text:
            changed.append(p.relative_to(ROOT))
            if not args.check:
                p.write_text(new, encoding="utf-8")
    for p in changed:
        print(p)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
