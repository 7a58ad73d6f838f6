"""``python -m sim --help``: the config groups and the main keys with units, defaults and ranges."""

from __future__ import annotations

import re

from sim.cli.checks import _group_options
from sim.paths import CONFIG_DIR
from sim.config.schema import compose

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
