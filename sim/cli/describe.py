"""A config error from Hydra, OmegaConf or our validation as one line naming the key, the
bad value and what is allowed."""

from __future__ import annotations

import re


def describe(exc: BaseException) -> str:
    """One line for a config error raised by Hydra, OmegaConf or our validation."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import (
        ConfigKeyError,
        GrammarParseError,
        OmegaConfBaseException,
        ValidationError,
    )
    from yaml import YAMLError

    from sim.errors import ConfigError

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
