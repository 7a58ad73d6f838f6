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
#: names that moved to another module (new module, name) -> new module; names whose old
#: module still re-exports them (to_plain, ConfigError, wilson, model_table, MAX_RUNS,
#: load_calibration, ...) need no entry
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
