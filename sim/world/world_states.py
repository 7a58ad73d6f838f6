"""The default world: the 193 UN member states of ``data/states.csv`` by name, plus the
named non-state actors of the config (ESA), starting from the observed record.

* The named actors of ``configs/actors`` keep their documented attributes; they are
  matched to their row by the ``actor`` column (or by ``name``), which gives them their
  region and ties.
* Every other row becomes an actor named by its ``name`` column. Its **alignment** is the
  row's ``alignment`` (docs/DATA.md: UN General Assembly ideal point and treaty ties).
  Its **capability** and **budget** come from a log-linear map of public columns fitted
  by least squares to the named states (:func:`fit_capability_map`; docs/DATA.md):
  ``log y = b0 + b1 log1p(satellites_2021) + b2 log(gdp_usd_bn_2021) + b3 orbital_launch``.
  The traits the data do not measure (transparency, dual use, prestige weights, relative
  gains, failure tolerance) take the mean of ``world.rest_of_world``'s distribution for
  that trait (an assumption: no information beyond the population's centre), so the world
  is the same in every run and seeds vary only the choices.
* **Ties**: each state relates to the ``ties_per_state`` largest economies of its UN
  sub-region (its regional peers; deterministic); the major powers relate to everyone.
  A US collective-defence treaty or major non-NATO ally status is a tie to the US-led
  camp, a Belt and Road MoU or APSCO membership a tie to the China-led camp
  (:data:`TIE_WEST` / :data:`TIE_EAST`), used by programme accession.
* **Start**: the programme members are the record's (``data/programme_record_2020_2022.csv``)
  as of the start of ``world.start_year`` (see :func:`record_start_members`).
"""

from __future__ import annotations

import json
from dataclasses import fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.schema import ActorConfig
from sim.names import PROGRAMMES
from sim.world.states import RECORD_FILE, STATES_FILE, load_record, load_states

#: record programme name -> model programme name
RECORD_PROGRAMME = {"artemis_accords": "artemis", "ilrs": "ilrs", "iss": "iss",
                    "tiangong": "tiangong"}
#: a tie to the US-led camp: a US collective-defence treaty or major non-NATO ally status
TIE_WEST = ("us_treaty_ally", "us_mnna")
#: a tie to the China-led camp: a Belt and Road MoU or APSCO membership
TIE_EAST = ("bri_mou", "apsco_member")
#: a state's fitted capability and budget stay within the range declared for a named
#: actor's (an extreme configuration, e.g. China's capability near 0, can make the
#: log-linear map extrapolate to 1e155 and the year's arithmetic overflow)
FITTED_MAX = {f.name: float(f.metadata["hi"]) for f in fields(ActorConfig)
              if f.name in ("capability", "budget")}
#: predictors of the capability and budget map
PREDICTORS = ("log1p(satellites_2021)", "log(gdp_usd_bn_2021)", "orbital_launch")


def _path(p) -> Path:
    return Path(p) if p else STATES_FILE


@lru_cache(maxsize=8)
def _states(path: str) -> pd.DataFrame:
    return load_states(path)


def states_table(path=None) -> pd.DataFrame:
    """The checked states table (cached per file; do not modify the result)."""
    return _states(str(_path(path)))


def states_where(column: str, path=None) -> frozenset[str]:
    """ISO codes of the states whose boolean ``column`` is true (cached per file; empty
    if the table has no such column)."""
    return _states_where(str(_path(path)), column)


@lru_cache(maxsize=32)
def _states_where(path: str, column: str) -> frozenset[str]:
    states = _states(path)
    if column not in states:
        return frozenset()
    return frozenset(states.loc[states[column].astype(bool), "iso3"])


def _design(rows: pd.DataFrame) -> np.ndarray:
    return np.column_stack([np.ones(len(rows)), np.log1p(rows["satellites_2021"]),
                            np.log(rows["gdp_usd_bn_2021"]),
                            rows["orbital_launch"].astype(float)])


def named_rows(states: pd.DataFrame, actors: dict) -> dict[str, int]:
    """Config actor name -> its row in ``states`` (by the ``actor`` column, else ``name``)."""
    out = {}
    by_actor = {a: k for k, a in enumerate(states["actor"]) if a}
    by_name = {n: k for k, n in enumerate(states["name"])}
    for name in actors:
        k = by_actor.get(name, by_name.get(name))
        if k is not None:
            out[name] = k
    return out


def fit_capability_map(states: pd.DataFrame, actors: dict) -> dict[str, dict]:
    """Least-squares fit on logs of capability and budget to the named states.

    Returns ``{"capability": {...}, "budget": {...}}``, each with ``coef`` (intercept, then
    :data:`PREDICTORS`), ``rmse`` (residual RMSE on logs) and ``n`` (states fitted)."""
    rows = named_rows(states, actors)
    names = [a for a in rows if float(actors[a]["capability"]) > 0 and float(actors[a]["budget"]) > 0]
    X = _design(states.iloc[[rows[a] for a in names]])
    out = {}
    for attr in ("capability", "budget"):
        y = np.log([float(actors[a][attr]) for a in names])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        rmse = float(np.sqrt(np.mean((X @ coef - y) ** 2)))
        out[attr] = {"coef": [float(c) for c in coef], "rmse": rmse, "n": len(names)}
    return out


def dist_mean(d: dict) -> float:
    """The mean of a configured distribution (see ``sim.world.actors.draw``)."""
    lo, hi, a, b = float(d["low"]), float(d["high"]), float(d["a"]), float(d["b"])
    match d["kind"]:
        case "beta":
            return lo + (hi - lo) * a / (a + b)
        case "uniform":
            return (lo + hi) / 2
        case _:
            return float(np.clip(np.exp(a + b * b / 2), lo, hi))


def state_rows(cfg: dict) -> tuple[pd.DataFrame, dict[str, int], list[int]]:
    """The states table, the named actors' rows and the other rows (in file order)."""
    states = states_table(cfg["world"]["rest_of_world"].get("states_file"))
    named = named_rows(states, cfg["actors"])
    taken = set(named.values())
    return states, named, [k for k in range(len(states)) if k not in taken]


def build_state_actors(cfg: dict, drawn: tuple, scalar: tuple, state_cls):
    """The actors of the data world: the config's named actors, then every other state.
    (Cached per configuration: a sweep builds the same world thousands of times.)"""
    key = json.dumps([cfg["actors"], cfg["world"]["rest_of_world"], drawn, scalar],
                     default=str)     # key order kept: actors come in config order
    fields = _state_world(key)
    arrays = {k: (v.copy() if isinstance(v, np.ndarray) else list(v)) for k, v in fields.items()}
    return state_cls(**arrays)


@lru_cache(maxsize=16)
def _state_world(key: str) -> dict:
    actors, rest_of_world, drawn, scalar = json.loads(key)
    cfg = {"actors": actors, "world": {"rest_of_world": rest_of_world}}
    return _build_fields(cfg, tuple(drawn), tuple(scalar))


def _build_fields(cfg: dict, drawn: tuple, scalar: tuple) -> dict:
    actors, row = cfg["actors"], cfg["world"]["rest_of_world"]
    states, named, others = state_rows(cfg)
    fit = fit_capability_map(states, actors)
    X = _design(states.iloc[others])
    rest = states.iloc[others]
    names = list(actors) + rest["name"].tolist()
    cols = {}
    for attr in drawn:
        given = np.array([float(a[attr]) for a in actors.values()])
        if attr in ("capability", "budget"):
            with np.errstate(over="ignore"):
                fitted = np.minimum(np.exp(X @ np.array(fit[attr]["coef"])), FITTED_MAX[attr])
        elif attr == "alignment":
            fitted = rest["alignment"].to_numpy(dtype=float)
        else:
            fitted = np.full(len(others), dist_mean(row[attr]))
        cols[attr] = np.concatenate([given, fitted])
    for attr in scalar:
        given = np.array([float(a[attr]) for a in actors.values()])
        cols[attr] = np.concatenate([given, np.full(len(others), float(row[attr]))])
    kind = np.array([0 if a["major"] else 1 for a in actors.values()] + [3] * len(others),
                    dtype=np.int8)
    un = np.array([bool(a["un_member"]) for a in actors.values()] + [True] * len(others))
    rows = np.array([named.get(a, -1) for a in actors] + others, dtype=np.int64)
    n = len(names)
    subregions = sorted(set(states["un_subregion"]))
    have = rows >= 0
    region = np.full(n, -1, dtype=np.int64)
    region[have] = [subregions.index(s) for s in states["un_subregion"].to_numpy()[rows[have]]]

    def tie(columns):
        out = np.zeros(n)
        out[have] = states[list(columns)].to_numpy().any(axis=1)[rows[have]]
        return out

    china_partner = np.zeros(n, dtype=bool)
    china_partner[have] = states["china_space_coop_known"].to_numpy()[rows[have]]
    candidate = np.zeros(n, dtype=bool)
    candidate[have] = (states["bri_mou"] & states["space_agency"]).to_numpy()[rows[have]]
    iso3 = np.array([states["iso3"].iat[r] if r >= 0 else "" for r in rows], dtype=object)
    gdp = np.zeros(n)
    gdp[have] = states["gdp_usd_bn_2021"].to_numpy()[rows[have]]
    return dict(names=names, kind=kind, un_member=un, racing=np.zeros(n),
                prestige=np.zeros(n), science=np.zeros(n), iso3=iso3, region=region,
                tie_west=tie(TIE_WEST), tie_east=tie(TIE_EAST),
                china_partner=china_partner, china_candidate=candidate, gdp=gdp, **cols)


def regional_pairs(region: np.ndarray, gdp: np.ndarray, kind: np.ndarray,
                   ties_per_state: int) -> np.ndarray:
    """(n, n) bool: each data state (``kind`` 3) and its ``ties_per_state`` largest-GDP
    peers of its sub-region (``region``, -1: none)."""
    n = len(kind)
    pair = np.zeros((n, n), dtype=bool)
    if ties_per_state <= 0:
        return pair
    for r in np.unique(region[region >= 0]):
        members = np.flatnonzero(region == r)
        by_size = members[np.argsort(-gdp[members], kind="stable")]
        for v in members[kind[members] == 3]:
            peers = [u for u in by_size if u != v][:ties_per_state]
            pair[v, peers] = pair[peers, v] = True
    return pair


def record_table(cfg: dict) -> pd.DataFrame:
    """The observed programme record the world starts from (a user input; cached per
    file and modification time; do not modify the result)."""
    row = cfg["world"]["rest_of_world"]
    path = Path(row.get("record_file") or RECORD_FILE)
    mtime = path.stat().st_mtime_ns if path.is_file() else 0
    return _record(str(path), mtime, str(_path(row.get("states_file"))))


@lru_cache(maxsize=8)
def _record(path: str, mtime: int, states_path: str) -> pd.DataFrame:
    return load_record(path, states=states_table(states_path))


@lru_cache(maxsize=64)
def _joined(path: str, mtime: int, states_path: str, start: int, before: bool) -> dict:
    record = _record(path, mtime, states_path)
    rows = record[(record["year"] < start) == before]
    return {p: tuple(rows.loc[rows["programme"].map(RECORD_PROGRAMME) == p, "iso3"])
            for p in PROGRAMMES}


def _record_joined(cfg: dict, before: bool) -> dict:
    row = cfg["world"]["rest_of_world"]
    path = Path(row.get("record_file") or RECORD_FILE)
    mtime = path.stat().st_mtime_ns if path.is_file() else 0
    return _joined(str(path), mtime, str(_path(row.get("states_file"))),
                   int(cfg["world"]["start_year"]), before)


def record_start_members(cfg: dict, iso3: np.ndarray) -> dict[str, np.ndarray]:
    """Programme -> actor indices of the record's members before ``world.start_year``.

    Mapping of dates onto model years: the model's year ``t`` covers January to December
    of ``t``; the state before the first step is the record at the end of
    ``start_year - 1`` (for 2021: the Artemis Accords' 9 signatories of 2020, the 15 ISS
    partner states, no ILRS state, no Tiangong member), so the model's year-end counts
    of 2021 and 2022 compare with the record's (Artemis 14 and 23, ILRS 2 and 2)."""
    joined = _record_joined(cfg, before=True)
    where = {c: k for k, c in enumerate(iso3) if c}
    return {p: np.array(sorted(where[c] for c in joined[p] if c in where), dtype=np.int64)
            for p in PROGRAMMES}


def record_dated_later(cfg: dict, iso3: np.ndarray) -> dict[str, set[int]]:
    """Programme -> actor indices the record has joining in or after ``world.start_year``
    (a config's initial member among them is left to the accession process)."""
    joined = _record_joined(cfg, before=False)
    where = {c: k for k, c in enumerate(iso3) if c}
    return {p: {where[c] for c in joined[p] if c in where} for p in PROGRAMMES}


#: how many of the largest economies (besides the named actors) the sweep tables follow
NOTABLE_LARGEST = 30
#: the programmes whose accession year the sweep tables record per notable state
FOLLOWED = ("artemis", "ilrs")


def notable(model) -> list[int]:
    """One world's notable states: the named states, then the ``NOTABLE_LARGEST``
    largest other economies (data world); the named actors only (synthetic world)."""
    n = model.world_n
    act = model.actors
    cached = getattr(model, "_notable", None)
    if cached is None:
        named = [k for k in range(n) if act.kind[k] <= 1 and act.un_member[k]]
        others = [k for k in np.argsort(-act.gdp, kind="stable") if act.kind[k] == 3]
        cached = model._notable = named + [int(k) for k in others[:NOTABLE_LARGEST]]
    return cached


def joined_columns(model, world: int = 0) -> dict[str, int]:
    """``joined_<programme>:<state>`` -> the year the state joined (0: not a member at
    the end; ``start_year - 1``: a member from the start), for the notable states."""
    joined, states = model.joined[world].tolist(), notable(model)
    return {f"joined_{p}:{model.names[v]}": joined[PROGRAMMES.index(p)][v]
            for p in FOLLOWED for v in states}


def joins_table(model, world: int = 0) -> pd.DataFrame:
    """Every state's programme memberships at the end of a run: one row per (state,
    programme) it is in, with the year it joined (``start_year - 1``: from the start)."""
    rows = []
    for k, p in enumerate(PROGRAMMES):
        for v in np.flatnonzero(model.members[world, k]):
            joined = int(model.joined[world, k, v])
            rows.append({"actor": model.names[v], "iso3": model.actors.iso3[v], "programme": p,
                         "joined": joined, "from_start": bool(joined < model.start_year)})
    return pd.DataFrame(rows, columns=["actor", "iso3", "programme", "joined", "from_start"])
