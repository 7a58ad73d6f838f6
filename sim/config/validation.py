"""Checks on a composed config that types alone cannot express: ranges, references,
uniqueness and consistency. Each failure is a :class:`ConfigError` that names the key,
the bad value and what is allowed — printed as one line by the command line.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import re
import typing

from sim.names import MAJORS, PROGRAMMES
from sim.errors import ConfigError
from sim.mechanisms import REGISTRY, MilestoneConfig
from sim.config.params import declared
from sim.game.strategies import RULES

NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
REQUIRED_ACTORS = MAJORS
YEAR_RANGE = (1957, 2200)


def _num(key, value, lo=-math.inf, hi=math.inf, what=None, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, value, "must be a number")
    if not math.isfinite(value):
        raise ConfigError(key, value, "must be a finite number (not NaN or infinity)")
    if value < lo or value > hi or (lo_open and value == lo):
        if what is None:
            left = "(" if lo_open else "["
            what = f"must be in {left}{lo:g}, {hi:g}]"
        raise ConfigError(key, value, what)
    return value


def prob(key, value):
    return _num(key, value, 0.0, 1.0, "must be a probability in [0, 1]")


def nonneg(key, value):
    return _num(key, value, 0.0, math.inf, "must be >= 0")


def year(key, value, nullable=False):
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, value, "must be a whole year" + (" or null" if nullable else ""))
    return _num(key, value, *YEAR_RANGE, f"must be a year in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}")


def _actor_ref(key, name, actors):
    if name not in actors:
        raise ConfigError(key, name, "must name an actor of `actors` ("
                          + ", ".join(list(actors)[:8]) + ", ...)")


def _strategy(key, name):
    if name not in RULES:
        raise ConfigError(key, name, "unknown strategy; allowed: " + ", ".join(sorted(RULES)))


def check_declared(node: dict, schema, path: str) -> None:
    """Check every parameter of ``node`` that ``schema`` declares with
    :func:`sim.config.params.param` against its declared range (years as years)."""
    hints = typing.get_type_hints(schema)
    for key, f in declared(schema):
        m, value, where = f.metadata, node[key], f"{path}.{key}"
        if m["unit"] == "year":
            year(where, value, nullable=type(None) in typing.get_args(hints[key]))
        else:
            # the declared message ("must be >= 0") for a value below the range; above it,
            # the range itself, unless the message already states both ends
            below = _is_number(value) and value < m["lo"]
            both = m["message"] and "probability" in m["message"]
            what = m["message"] if below or both else None
            _num(where, value, m["lo"], m["hi"], what, m["lo_open"])


def _is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def check_keys(node, schema, path: str = "") -> None:
    """Every key must exist in the schema (``+key=value`` can add keys Hydra would
    otherwise reject; a typo added that way must not be silently ignored)."""
    hints = typing.get_type_hints(schema)
    for key, value in node.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in hints:
            raise ConfigError(where, value, "unknown key; allowed: " + ", ".join(hints))
        kind = hints[key]
        if dataclasses.is_dataclass(kind) and isinstance(value, dict):
            check_keys(value, kind, where)
        elif typing.get_origin(kind) is dict and isinstance(value, dict):
            _, item = typing.get_args(kind)
            if dataclasses.is_dataclass(item):
                for name, entry in value.items():
                    if isinstance(entry, dict):
                        check_keys(entry, item, f"{where}.{name}")


def validate(cfg: dict) -> None:
    """Raise :class:`ConfigError` on the first bad value of a plain (resolved) config."""
    from sim.config.schema import (ActorConfig, Config, DynamicsConfig, OutcomeConfig, PayoffConfig,
                            ProgrammeConfig, ProgrammesConfig, RestOfWorldConfig, WorldConfig)

    check_keys(cfg, Config)
    actors = cfg["actors"]
    world = cfg["world"]
    if not isinstance(cfg["seed"], int) or isinstance(cfg["seed"], bool) or cfg["seed"] < 0:
        raise ConfigError("seed", cfg["seed"], "must be an integer >= 0")
    name = cfg["scenario_name"]
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError("scenario", name, "scenario names use letters, digits and _ only")

    # world and time
    start = year("world.start_year", world["start_year"])
    end = year("world.horizon", world["horizon"])
    if end < start:
        raise ConfigError("world.horizon", end, f"must be >= world.start_year ({start})")
    check_declared(world, WorldConfig, "world")
    row = world["rest_of_world"]
    if row.get("source", "synthetic") not in ("states", "synthetic"):
        raise ConfigError("world.rest_of_world.source", row.get("source"), "allowed: states, synthetic")
    if row.get("source") == "states":
        _data_files(row)
    for key in ("count", "ties_per_state", "china_agreement_partners"):
        v = row[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ConfigError(f"world.rest_of_world.{key}", v, "must be an integer >= 0")
    for attr in ("capability", "budget", "alignment", "transparency", "dual_use",
                 "prestige_domestic", "prestige_international", "relative_gains",
                 "failure_tolerance"):
        d, key = row[attr], f"world.rest_of_world.{attr}"
        if d["kind"] not in ("beta", "lognormal", "uniform"):
            raise ConfigError(f"{key}.kind", d["kind"], "allowed: beta, lognormal, uniform")
        for p in ("a", "b", "low", "high"):
            _num(f"{key}.{p}", d[p])
        if d["kind"] == "beta":
            _num(f"{key}.a", d["a"], 0, math.inf, "must be > 0", lo_open=True)
            _num(f"{key}.b", d["b"], 0, math.inf, "must be > 0", lo_open=True)
        if d["kind"] == "lognormal":
            nonneg(f"{key}.b", d["b"])
        if d["high"] < d["low"]:
            raise ConfigError(f"{key}.high", d["high"], f"must be >= {key}.low ({d['low']})")
        lo, hi = _attr_ranges()[attr]
        if d["low"] < lo or d["high"] > hi:
            raise ConfigError(f"{key}.low/high", [d["low"], d["high"]],
                              f"must lie within [{lo:g}, {hi:g}]")
    check_declared(row, RestOfWorldConfig, "world.rest_of_world")

    # actors
    if not actors:
        raise ConfigError("actors", {}, "needs at least the actors " + ", ".join(REQUIRED_ACTORS))
    for required in REQUIRED_ACTORS:
        if required not in actors:
            raise ConfigError("actors", sorted(actors), f"must include {required}")
    for name, a in actors.items():
        if not isinstance(name, str) or not name.strip() or name.startswith("state_"):
            raise ConfigError("actors", name, "actor names must be non-empty and not start "
                              "with 'state_' (reserved for generated states)")
        check_declared(a, ActorConfig, f"actors.{name}")
        if a.get("strategy") is not None:
            _strategy(f"actors.{name}.strategy", a["strategy"])
    lowered = {}
    for name in actors:
        if name.lower() in lowered:
            raise ConfigError("actors", name, f"duplicate actor (also {lowered[name.lower()]!r})")
        lowered[name.lower()] = name

    # payoffs and dynamics
    check_declared(cfg["payoffs"], PayoffConfig, "payoffs")
    check_declared(cfg["dynamics"], DynamicsConfig, "dynamics")

    # mechanisms: every declared parameter from its declaration, then the cross-checks
    m = cfg["mechanisms"]
    for name, cls in REGISTRY.items():
        check_declared(m[name], cls.Config, f"mechanisms.{name}")
    wolf = m["wolf_amendment"]
    if wolf["repeal_year"] is not None and wolf["repeal_year"] < wolf["enacted"]:
        raise ConfigError("mechanisms.wolf_amendment.repeal_year", wolf["repeal_year"],
                          f"must be >= mechanisms.wolf_amendment.enacted ({wolf['enacted']}) or null")
    for k, a in enumerate(m["open_station"]["also_eligible"]):
        _actor_ref(f"mechanisms.open_station.also_eligible[{k}]", a, actors)
    for group in ("bridges", "long_game"):
        for k, a in enumerate(m[group]["actors"]):
            _actor_ref(f"mechanisms.{group}.actors[{k}]", a, actors)

    # programmes
    p = cfg["programmes"]
    check_declared(p, ProgrammesConfig, "programmes")
    for prog in PROGRAMMES:
        pc = p[prog]
        _actor_ref(f"programmes.{prog}.leader", pc["leader"], actors)
        if pc["side"] not in (1, -1, 1.0, -1.0):
            raise ConfigError(f"programmes.{prog}.side", pc["side"], "must be 1 (US-led) or -1 (China-led)")
        check_declared(pc, ProgrammeConfig, f"programmes.{prog}")
        cap = pc.get("seats_per_year")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise ConfigError(f"programmes.{prog}.seats_per_year", cap, "must be an integer >= 0 or null")
        for k, a in enumerate(pc["initial_members"]):
            _actor_ref(f"programmes.{prog}.initial_members[{k}]", a, actors)
        if len(set(pc["initial_members"])) != len(pc["initial_members"]):
            raise ConfigError(f"programmes.{prog}.initial_members", pc["initial_members"],
                              "must not list an actor twice")

    if not p["allow_hedging"]:
        sides = {}
        for prog in PROGRAMMES:
            sides.setdefault(p[prog]["leader"], set()).add(float(p[prog]["side"]))
        for leader, s in sides.items():
            if len(s) > 1:
                raise ConfigError("programmes.allow_hedging", False,
                                  f"{leader} leads programmes of both camps, so it must hedge; "
                                  "allow hedging or give those programmes other leaders")

    # milestones
    for name, ms in cfg["milestones"].items():
        key = f"milestones.{name}"
        check_declared(ms, MilestoneConfig, key)
        if not ms["actors"]:
            raise ConfigError(f"{key}.actors", ms["actors"], "must name at least one actor")
        for k, a in enumerate(ms["actors"]):
            _actor_ref(f"{key}.actors[{k}]", a, actors)
        if ms["programme"] is not None and ms["programme"] not in PROGRAMMES:
            raise ConfigError(f"{key}.programme", ms["programme"],
                              "allowed: " + ", ".join(PROGRAMMES) + " or null")

    # strategies
    s = cfg["strategies"]
    _strategy("strategies.default", s["default"])
    for name, rule in (s["by_actor"] or {}).items():
        _actor_ref(f"strategies.by_actor.{name}", name, actors)
        _strategy(f"strategies.by_actor.{name}", rule)
    for rule, params in (s["params"] or {}).items():
        _strategy(f"strategies.params.{rule}", rule)
        accepted = set(inspect.signature(RULES[rule]).parameters)
        for k, v in (params or {}).items():
            if k not in accepted:
                raise ConfigError(f"strategies.params.{rule}.{k}", v,
                                  "unknown parameter; allowed: " + (", ".join(sorted(accepted)) or "none"))
            lo, hi = RULES[rule].param_ranges().get(k, (-math.inf, math.inf))
            _num(f"strategies.params.{rule}.{k}", v, lo, hi)
    prob("strategies.noise", s["noise"])

    # outcome
    o = cfg["outcome"]
    if not isinstance(o["window"], int) or o["window"] < 1:
        raise ConfigError("outcome.window", o["window"], "must be an integer >= 1")
    if o["window"] > end - start + 1:
        raise ConfigError("outcome.window", o["window"],
                          f"must not exceed the number of simulated years ({end - start + 1})")
    check_declared(o, OutcomeConfig, "outcome")
    for side in ("west", "east"):
        if not o[side]:
            raise ConfigError(f"outcome.{side}", o[side], "must name at least one major power")
        for k, a in enumerate(o[side]):
            _actor_ref(f"outcome.{side}[{k}]", a, actors)
    if set(o["west"]) & set(o["east"]):
        raise ConfigError("outcome.east", o["east"], "must not share actors with outcome.west")

    # sweep and output
    sw = cfg["sweep"]
    if not isinstance(sw["name"], str) or not NAME_RE.match(sw["name"]):
        raise ConfigError("sweep.name", sw["name"], "use letters, digits and _ only")
    for key, lo in (("seeds", 1), ("first_seed", 0), ("chunk_size", 1), ("lockstep", 1), ("workers", 1)):
        v = sw[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ConfigError(f"sweep.{key}", v, f"must be an integer >= {lo}")
    if sw["executor"] not in ("local", "serial", "ray"):
        raise ConfigError("sweep.executor", sw["executor"], "allowed: local, serial, ray")
    for key, values in (sw["grid"] or {}).items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"sweep.grid.{key}", values, "must be a non-empty list of values")
    if sw.get("design", {}) != {}:
        check_design(cfg)       # builds the design; checks its extremes


def _attr_ranges() -> dict[str, tuple[float, float]]:
    """The declared range of each drawn actor attribute (a generated state's
    distribution must lie within it)."""
    from sim.world.actors import DRAWN
    from sim.config.schema import ActorConfig
    fields = dict(declared(ActorConfig))
    return {attr: (fields[attr].metadata["lo"], fields[attr].metadata["hi"]) for attr in DRAWN}


def _data_files(row: dict) -> None:
    """The data world's files must load (one-line error naming the key and the problem)."""
    from sim.world.states import DataError
    from sim.world.world_states import record_table, states_table
    for key in ("states_file", "record_file"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise ConfigError(f"world.rest_of_world.{key}", row[key], "must be a file path or null")
    try:
        states_table(row.get("states_file"))
        record_table({"world": {"rest_of_world": row}})
    except DataError as e:
        raise ConfigError("world.rest_of_world.states_file/record_file", e.path,
                          f"{e.where}: {e.allowed}") from None


def check_design(plain: dict) -> None:
    """Check ``sweep.design``: it builds, does not sample a key the grid sets, stays within
    the run limit, and every parameter's extremes (each option of a categorical one)
    give a valid config. Called by :func:`validate`."""
    from sim.experiments.plan import MAX_RUNS, apply_point, design_of, n_points

    design = design_of(plain)
    if design is None:
        return
    both = sorted(set(design.keys) & set(plain["sweep"]["grid"] or {}))
    if both:
        raise ConfigError(f"sweep.grid.{both[0]}", plain["sweep"]["grid"][both[0]],
                          "is sampled by sweep.design; set it in one of the two")
    runs = design.n_points * n_points(plain) * int(plain["sweep"]["seeds"])
    if runs > MAX_RUNS:
        raise ConfigError("sweep.design.N", design.N, f"gives {runs:,} runs; at most "
                          f"{MAX_RUNS:,} in one job (lower N or sweep.seeds)")
    base = copy.deepcopy(plain)
    base["sweep"]["design"] = {}
    for u in design.params:
        for value in (u.values if u.kind == "categorical" else u.transform(u.bounds)):
            validate(apply_point(base, {u.key: value}))
