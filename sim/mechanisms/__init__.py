"""The mechanisms the source documents describe: one file each in this package.

A mechanism is a :class:`~sim.mechanisms.base.Mechanism` subclass with a ``name`` (its
key under ``mechanisms:`` in the config) and a ``Config`` dataclass (its parameters,
declared once with :func:`sim.config.params.param`). The registry finds every such class in
this package's modules, so adding a mechanism is one Python file here plus its entry
in ``configs/mechanisms/default.yaml`` (see docs/EXTENDING.md). The hooks, the state a
mechanism may write and how writes combine are in :mod:`sim.mechanisms.base`.

Milestones (:mod:`~sim.mechanisms.milestone`) are scheduled events configured under
``milestones:``; they act in the engine's milestone stage.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.mechanisms.base import Mechanism, Played
from sim.mechanisms.milestone import Milestone, MilestoneConfig


def _discover() -> dict[str, type[Mechanism]]:
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in ("base", "milestone"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Mechanism) and obj.name
                    and obj.__module__ == module.__name__):
                if obj.name in found:
                    raise ImportError(f"two mechanisms named {obj.name!r}")
                found[obj.name] = obj
    return found


#: every mechanism class by its config key, in name order
REGISTRY: dict[str, type[Mechanism]] = _discover()
globals().update({cls.__name__: cls for cls in REGISTRY.values()})


def build_mechanisms(cfg: dict) -> list[Mechanism]:
    """The policy mechanisms of a configuration (every registered one; the combination
    rules in :mod:`sim.mechanisms.base` make their order irrelevant)."""
    return [cls.from_config(cfg["mechanisms"][name], cfg) for name, cls in REGISTRY.items()]


def build_milestones(cfg: dict) -> list[Milestone]:
    """The configured milestones, in config order (the order they act within a year)."""
    return [Milestone(name, ms) for name, ms in cfg["milestones"].items()]


__all__ = ["REGISTRY", "Mechanism", "Milestone", "MilestoneConfig", "Played",
           "build_mechanisms", "build_milestones", *(c.__name__ for c in REGISTRY.values())]
