"""The model's keyword parameters: how ``SpaceRaceModel(threat_perception=1.5, ...)``
maps to config keys, so ``mesa.batch_run`` and Mesa's SolaraViz drive the model directly.

* ``scenario="cold_war_race"`` composes that scenario (default ``status_quo``), as
  ``python -m sim scenario=cold_war_race`` would; ``overrides=["payoffs.coop_gain=0.4"]``
  adds Hydra overrides (any key, in Hydra's syntax).
* Any other keyword sets one config key:

  - a leaf name that is unique in the config: ``threat_perception`` ->
    ``world.threat_perception``, ``coop_gain`` -> ``payoffs.coop_gain``, ``noise`` ->
    ``strategies.noise``, ``horizon`` -> ``world.horizon``;
  - any key with ``__`` for the dots: ``payoffs__coop_gain``, ``actors__US__budget``,
    ``mechanisms__wolf_amendment__repeal_year``;
  - ``strategy`` -> ``strategies.default``.

  :func:`keyword_keys` lists every unique leaf name and its key. A name that is not
  unique (``year``, ``actors``, ``strength`` ...) or unknown is an error that says so.

The result is validated like the command line's (:func:`sim.config.validation.validate`).
"""

from __future__ import annotations

import copy
from functools import lru_cache

ALIASES = {"strategy": "strategies.default"}
#: config sections whose keys are not model parameters
_NOT_MODEL = ("hydra", "sweep", "output")


@lru_cache(maxsize=32)
def _composed(scenario: str, overrides: tuple[str, ...]) -> dict:
    from sim.config.schema import compose
    from sim.config.plain import to_plain
    return to_plain(compose([f"scenario={scenario}", *overrides]))


def base_config(scenario: str = "status_quo", overrides=()) -> dict:
    """A fresh plain config of ``scenario`` with Hydra ``overrides`` (composed once per
    process, then copied)."""
    return copy.deepcopy(_composed(scenario, tuple(overrides)))


def _leaves(node: dict, prefix: str = ""):
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path


def keyword_keys(cfg: dict | None = None) -> dict[str, str]:
    """Each leaf name that is unique among the model's config keys, with its key."""
    cfg = cfg if cfg is not None else _composed("status_quo", ())
    seen: dict[str, list[str]] = {}
    for path in _leaves({k: v for k, v in cfg.items() if k not in _NOT_MODEL}):
        seen.setdefault(path.rsplit(".", 1)[-1], []).append(path)
    return {name: paths[0] for name, paths in seen.items() if len(paths) == 1} | ALIASES


def key_of(keyword: str, cfg: dict) -> str:
    """The config key a keyword sets (see the module docstring)."""
    if "__" in keyword:
        return keyword.replace("__", ".")
    keys = keyword_keys(cfg)
    if keyword not in keys:
        raise TypeError(f"SpaceRaceModel() got an unknown or ambiguous keyword {keyword!r}; "
                        "use a unique key name (sim.mesa.keywords.keyword_keys()) or section__key")
    return keys[keyword]


def apply_keywords(cfg: dict, params: dict) -> dict:
    """A copy of plain ``cfg`` with each keyword's key set to its value."""
    out = copy.deepcopy(cfg)
    for keyword, value in params.items():
        key = key_of(keyword, out)
        *path, leaf = key.split(".")
        node = out
        for part in path:
            if not isinstance(node, dict) or part not in node:
                raise TypeError(f"SpaceRaceModel(): {keyword}={value!r}: no config key {key!r}")
            node = node[part]
        if not isinstance(node, dict) or leaf not in node:
            raise TypeError(f"SpaceRaceModel(): {keyword}={value!r}: no config key {key!r}")
        node[leaf] = value
    return out
