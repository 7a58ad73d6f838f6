"""The states of the world and the observed programme record, as validated tables.

Two user-editable CSV files under the project's ``data/`` folder (documented in
``data/README.md`` and ``docs/DATA.md``):

* ``states.csv`` -- the 193 UN member states, one row each, with public attributes
  (region, GDP, population, space capability, alignment, treaty ties) and, per row, which
  values are uncertain. :func:`load_states` reads and checks it.
* ``programme_record_2020_2022.csv`` -- who joined which programme (Artemis Accords, ILRS,
  ISS, Tiangong) and when, through 2022: the observed data the calibration fits.
  :func:`load_record` reads and checks it; :func:`counts_by_year` gives year-end member counts.

Both files are untrusted input: every problem raises :class:`DataError`, whose message is
one line naming the file, the row (as the line number in the file) or column, the bad value
and what is allowed. ``python -m sim.world.states check`` validates the files and prints the
year-end counts; ``python -m sim.world.states fill-alignment`` recomputes the ``alignment`` column
from the columns it is derived from (see :func:`derive_alignment`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import math
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

#: The project's data folder, found relative to this package (a clone needs nothing else).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
STATES_FILE = DATA_DIR / "states.csv"
RECORD_FILE = DATA_DIR / "programme_record_2020_2022.csv"
#: Observations after 2022, kept for the out-of-sample check. Nothing may be fitted to it.
HOLDOUT_FILE = DATA_DIR / "programme_record_2023_2025_holdout.csv"
SOURCES_FILE = DATA_DIR / "sources.csv"

N_UN_MEMBERS = 193
PROGRAMMES = ("artemis_accords", "ilrs", "iss", "tiangong")
RECORD_STATUS = ("sourced", "from memory")
#: Earliest accepted joining date: the ISS Intergovernmental Agreement (29 Jan 1998).
FIRST_MONTH = "1998-01"

#: UN M49 sub-regions (intermediate regions for Africa and Latin America) and their region.
SUBREGIONS = {
    "Northern Africa": "Africa", "Eastern Africa": "Africa", "Middle Africa": "Africa",
    "Southern Africa": "Africa", "Western Africa": "Africa",
    "Caribbean": "Americas", "Central America": "Americas", "South America": "Americas",
    "Northern America": "Americas",
    "Central Asia": "Asia", "Eastern Asia": "Asia", "South-eastern Asia": "Asia",
    "Southern Asia": "Asia", "Western Asia": "Asia",
    "Eastern Europe": "Europe", "Northern Europe": "Europe", "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania", "Melanesia": "Oceania", "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}

def _columns(**kinds) -> dict[str, tuple[str, float | None, float | None]]:
    """``column=kind`` (a text kind) or ``column=(kind, low, high)`` -> ``{column: (kind, low, high)}``."""
    return {c: (k, None, None) if isinstance(k, str) else k for c, k in kinds.items()}


#: Columns of states.csv in file order: (kind, low, high). Bounds are inclusive; None means text.
STATE_COLUMNS = _columns(
    iso3="iso3", name="text", actor="optional", un_region="text", un_subregion="text",
    gdp_usd_bn_2021=("float", 0.01, 50_000.0), population_m_2021=("float", 0.005, 2_000.0),
    space_agency="bool", satellites_2021=("int", 0, 20_000), orbital_launch="bool",
    human_spaceflight="bool", unga_ideal_point=("float", -4.0, 4.0), alignment=("float", -1.0, 1.0),
    bri_mou="bool", us_treaty_ally="bool", us_treaties="optional", us_mnna="bool",
    nato_member="bool", esa_member="bool", eu_member="bool", iss_partner="bool",
    apsco_member="bool", china_space_coop_known="bool", uncertain_fields="optional",
    note="optional")
RECORD_COLUMNS = ("programme", "state", "iso3", "joined", "note", "source", "status")
US_TREATIES = ("NATO", "Rio Treaty", "ANZUS", "US-Japan", "US-Korea", "US-Philippines",
               "Manila Pact")

#: Weights of :func:`derive_alignment` (an assumption; see docs/DATA.md).
ALIGN_IDEAL = 0.4      # per unit of UNGA ideal point (US ~ +3, Western Europe ~ +1, China ~ -1)
ALIGN_ALLY = 0.25      # a US collective-defence treaty
ALIGN_MNNA = 0.15      # US major non-NATO ally
ALIGN_BRI = -0.15      # a Belt and Road cooperation MoU with China

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_ISO3 = re.compile(r"^[A-Z]{3}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class DataError(ValueError):
    """A bad data file: one line naming the file, where in it, the bad value and what is allowed."""

    def __init__(self, path, where: str, value, allowed: str):
        self.path, self.where, self.value, self.allowed = str(path), where, value, allowed
        shown = "" if value is None else f" {value!r}:"
        super().__init__(f"{path}: {where}:{shown} {allowed}")


def _read_csv(path: Path) -> pd.DataFrame:
    """All cells as stripped strings ('' for empty); file-level problems as DataError."""
    if not path.is_file():
        raise DataError(path, "file", None, "does not exist or is not a file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                         comment=None, encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataError(path, "file", None, f"is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except pd.errors.EmptyDataError:
        raise DataError(path, "file", None, "is empty; expected a CSV header line and rows") from None
    except pd.errors.ParserError as e:
        first = str(e).strip().splitlines()[0]
        raise DataError(path, "file", None, f"is not valid CSV ({first})") from None
    except OSError as e:
        raise DataError(path, "file", None, f"cannot be read ({e.strerror})") from None
    with open(path, encoding="utf-8", newline="") as f:
        header = [c.strip() for c in next(csv.reader(f))]
    dup = _first_dup(header)
    if dup:
        raise DataError(path, f"column {dup[1]!r}", None, "appears more than once in the header")
    df.columns = [str(c).strip() for c in df.columns]
    return df.apply(lambda col: col.str.strip())


def _line(i: int) -> str:
    return f"line {i + 2}"       # header is line 1


def _require_columns(path: Path, df: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(path, "header", None,
                        f"missing column {missing[0]!r}; required columns: {', '.join(columns)}")
    if df.empty:
        raise DataError(path, "file", None, "has a header but no rows")


def _parse_bool(path, i, col, text):
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise DataError(path, f"{_line(i)}, column {col}", text, "must be true or false (or yes/no, 1/0)")


def _parse_number(path, i, col, text, kind, lo, hi):
    where = f"{_line(i)}, column {col}"
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, where, text, f"must be a number in [{lo:g}, {hi:g}]") from None
    if not math.isfinite(value):
        raise DataError(path, where, text, "must be a finite number (not NaN or infinity)")
    if kind == "int" and value != int(value):
        raise DataError(path, where, text, f"must be a whole number in [{lo:g}, {hi:g}]")
    if not lo <= value <= hi:
        raise DataError(path, where, text, f"must be in [{lo:g}, {hi:g}]")
    return int(value) if kind == "int" else value


def load_states(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and check ``states.csv`` (default: the project's ``data/states.csv``).

    Returns one row per UN member state in file order, with typed columns: floats for GDP
    (billion current USD), population (millions), ideal point and alignment; int for
    satellites; bool for the yes/no columns; str (possibly empty) for the rest. Extra columns
    are kept as text. Raises :class:`DataError` on the first problem found.
    """
    path = Path(path) if path is not None else STATES_FILE
    raw = _read_csv(path)
    _require_columns(path, raw, list(STATE_COLUMNS))
    out = {}
    for col, (kind, lo, hi) in STATE_COLUMNS.items():
        cells = raw[col].tolist()
        if kind in ("bool",):
            out[col] = [_parse_bool(path, i, col, t) for i, t in enumerate(cells)]
        elif kind in ("float", "int"):
            for i, t in enumerate(cells):
                if t == "":
                    raise DataError(path, f"{_line(i)}, column {col}", t,
                                    f"is empty; must be a number in [{lo:g}, {hi:g}]")
            out[col] = [_parse_number(path, i, col, t, kind, lo, hi) for i, t in enumerate(cells)]
        else:
            if kind != "optional":
                for i, t in enumerate(cells):
                    if t == "":
                        raise DataError(path, f"{_line(i)}, column {col}", t, "must not be empty")
            out[col] = cells
    df = pd.DataFrame(out)
    for col in raw.columns:
        if col not in df:
            df[col] = raw[col]
    df = df.astype({c: ("float64" if k == "float" else "int64" if k == "int" else
                        "bool" if k == "bool" else "object")
                    for c, (k, _, _) in STATE_COLUMNS.items()})
    _check_states(path, df)
    return df


def _first_dup(values) -> tuple[int, object, int] | None:
    """(row index, value, row index of its first occurrence) of the first repeated value."""
    seen: dict = {}
    for i, v in enumerate(values):
        if v in seen:
            return i, v, seen[v]
        seen[v] = i
    return None


def _check_states(path: Path, df: pd.DataFrame) -> None:
    for i, code in enumerate(df["iso3"]):
        if not _ISO3.match(code):
            raise DataError(path, f"{_line(i)}, column iso3", code,
                            "must be an ISO 3166-1 alpha-3 code (three capital letters)")
    for col in ("iso3", "name"):
        dup = _first_dup(df[col])
        if dup:
            raise DataError(path, f"{_line(dup[0])}, column {col}", dup[1],
                            f"appears twice (also {_line(dup[2])}); each UN member state must have "
                            "exactly one row")
    actors = [a for a in df["actor"] if a]
    dup = _first_dup(actors)
    if dup:
        i = df.index[df["actor"] == dup[1]][1]
        raise DataError(path, f"{_line(i)}, column actor", dup[1], "names two rows; actor names must be unique")
    if len(df) != N_UN_MEMBERS:
        raise DataError(path, "rows", len(df),
                        f"must be exactly {N_UN_MEMBERS} rows, one per UN member state")
    regions = sorted(set(SUBREGIONS.values()))
    for i, (reg, sub) in enumerate(zip(df["un_region"], df["un_subregion"])):
        if reg not in regions:
            raise DataError(path, f"{_line(i)}, column un_region", reg, f"must be one of {', '.join(regions)}")
        if sub not in SUBREGIONS:
            raise DataError(path, f"{_line(i)}, column un_subregion", sub,
                            f"must be a UN M49 sub-region: {', '.join(SUBREGIONS)}")
        if SUBREGIONS[sub] != reg:
            raise DataError(path, f"{_line(i)}, column un_subregion", sub,
                            f"belongs to {SUBREGIONS[sub]}, not to un_region {reg!r}")
    for i, text in enumerate(df["us_treaties"]):
        names = [t.strip() for t in text.split(";") if t.strip()]
        bad = [t for t in names if t not in US_TREATIES]
        if bad:
            raise DataError(path, f"{_line(i)}, column us_treaties", bad[0],
                            f"must be ';'-separated names from: {', '.join(US_TREATIES)}")
        if bool(names) != bool(df["us_treaty_ally"].iat[i]):
            raise DataError(path, f"{_line(i)}, column us_treaty_ally", df["us_treaty_ally"].iat[i],
                            "must be true exactly when us_treaties names a treaty")
        if ("NATO" in names) != bool(df["nato_member"].iat[i]):
            raise DataError(path, f"{_line(i)}, column nato_member", df["nato_member"].iat[i],
                            "must be true exactly when us_treaties includes NATO")
    columns = set(df.columns)
    for i, text in enumerate(df["uncertain_fields"]):
        bad = [t.strip() for t in text.split(";") if t.strip() and t.strip() not in columns]
        if bad:
            raise DataError(path, f"{_line(i)}, column uncertain_fields", bad[0],
                            "must be ';'-separated column names of this file")
    for i in np.flatnonzero(df["human_spaceflight"].to_numpy() & ~df["orbital_launch"].to_numpy()):
        raise DataError(path, f"{_line(int(i))}, column human_spaceflight", True,
                        "requires orbital_launch true (independent crewed launch)")


def derive_alignment(states: pd.DataFrame) -> pd.Series:
    """Alignment between the camps, -1 (China-led) ... +1 (US-led), from public attributes.

    ``clip(0.4 * unga_ideal_point + 0.25 * us_treaty_ally + 0.15 * us_mnna
    - 0.15 * bri_mou, -1, 1)`` rounded to 0.05. The UN General Assembly ideal point
    (Bailey, Strezhnev & Voeten) orders states by their voting distance from the US; the
    ties shift a state towards the camp it is bound to. Weights are an assumption (see
    docs/DATA.md); named actors keep their documented alignment in the model.
    """
    a = (ALIGN_IDEAL * states["unga_ideal_point"] + ALIGN_ALLY * states["us_treaty_ally"]
         + ALIGN_MNNA * states["us_mnna"] + ALIGN_BRI * states["bri_mou"])
    return (a.clip(-1.0, 1.0) / 0.05).round().mul(0.05).round(2).rename("alignment")


def _this_month() -> str:
    today = _dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def load_record(path: str | os.PathLike | None = None, *, states: pd.DataFrame | None = None,
                through: int | None = None) -> pd.DataFrame:
    """Read and check a programme record (default: ``data/programme_record_2020_2022.csv``).

    Each row: a state (``iso3``, which must be a row of ``states``; default: the project's
    states) joining a ``programme`` (one of :data:`PROGRAMMES`) in month ``joined``
    (``YYYY-MM``, from 1998-01 to the current month). A state joins a programme at most once.
    ``through`` keeps only rows up to the end of that year (the calibration uses 2022).
    Returns the rows with added int columns ``year`` and ``month``.
    """
    path = Path(path) if path is not None else RECORD_FILE
    df = _read_csv(path)
    _require_columns(path, df, RECORD_COLUMNS)
    if states is None:
        states = load_states()
    known = set(states["iso3"])
    last = _this_month()
    years, months = [], []
    for i, row in enumerate(df.itertuples(index=False)):
        if row.programme not in PROGRAMMES:
            raise DataError(path, f"{_line(i)}, column programme", row.programme,
                            f"must be one of {', '.join(PROGRAMMES)}")
        if row.iso3 not in known:
            raise DataError(path, f"{_line(i)}, column iso3", row.iso3,
                            "is not a state of states.csv (use the ISO 3166-1 alpha-3 code of a UN member)")
        m = _MONTH.match(row.joined)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise DataError(path, f"{_line(i)}, column joined", row.joined, "must be a month YYYY-MM")
        if not FIRST_MONTH <= row.joined <= last:
            raise DataError(path, f"{_line(i)}, column joined", row.joined,
                            f"must be between {FIRST_MONTH} and {last} (no future dates)")
        if row.status not in RECORD_STATUS:
            raise DataError(path, f"{_line(i)}, column status", row.status,
                            f"must be one of: {', '.join(RECORD_STATUS)}")
        if not row.source:
            raise DataError(path, f"{_line(i)}, column source", row.source, "must name where the row comes from")
        years.append(int(m.group(1)))
        months.append(int(m.group(2)))
    dup = _first_dup(list(zip(df["programme"], df["iso3"])))
    if dup:
        raise DataError(path, f"{_line(dup[0])}, columns programme+iso3", f"{dup[1][0]} {dup[1][1]}",
                        f"appears twice (also {_line(dup[2])}); a state joins a programme once "
                        "(leaving is not recorded here)")
    df["year"] = np.array(years, dtype="int64")
    df["month"] = np.array(months, dtype="int64")
    if through is not None:
        df = df[df["year"] <= int(through)].reset_index(drop=True)
    return df


def counts_by_year(record: pd.DataFrame, programme: str, years=None) -> pd.Series:
    """Number of states in ``programme`` at each year's end (cumulative), indexed by year.

    ``years`` defaults to every year from the programme's first joining to the record's last.
    """
    if programme not in PROGRAMMES:
        raise ValueError(f"programme={programme!r}: must be one of {', '.join(PROGRAMMES)}")
    joined = record.loc[record["programme"] == programme, "year"]
    if years is None and record.empty:
        years = []
    elif years is None:
        first = int(joined.min()) if len(joined) else int(record["year"].min())
        years = range(first, int(record["year"].max()) + 1)
    years = list(years)
    counts = [int((joined <= y).sum()) for y in years]
    return pd.Series(counts, index=pd.Index(years, name="year"), name=programme, dtype="int64")


def joins_by_year(record: pd.DataFrame, programme: str, years=None) -> pd.Series:
    """Number of states joining ``programme`` in each year (the yearly accessions)."""
    c = counts_by_year(record, programme, years)
    first = int((record.loc[record["programme"] == programme, "year"] < c.index[0]).sum())
    return c.diff().fillna(c.iloc[0] - first).astype("int64")


def members_at(record: pd.DataFrame, programme: str, year: int) -> list[str]:
    """ISO3 codes of the states in ``programme`` at the end of ``year``, in joining order."""
    rows = record[(record["programme"] == programme) & (record["year"] <= year)]
    return rows.sort_values(["year", "month"], kind="stable")["iso3"].tolist()


def load_sources(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The sources table: one row per (file, column) with unit, year, source and status."""
    path = Path(path) if path is not None else SOURCES_FILE
    df = _read_csv(path)
    _require_columns(path, df, ("file", "column", "unit", "year", "source", "status"))
    return df


def _write_atomic(df: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            df.to_csv(f, index=False, lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.world.states",
                                     description="Check the states and programme-record files.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    check = sub.add_parser("check", help="validate the files and print year-end counts")
    check.add_argument("--states", default=None, help=f"states CSV (default {STATES_FILE})")
    check.add_argument("--record", default=None, help=f"programme record CSV (default {RECORD_FILE})")
    fill = sub.add_parser("fill-alignment", help="recompute the alignment column in place")
    fill.add_argument("--states", default=None, help=f"states CSV (default {STATES_FILE})")
    args = parser.parse_args(argv)
    try:
        states = load_states(args.states)
        if args.cmd == "fill-alignment":
            path = Path(args.states) if args.states else STATES_FILE
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
            raw["alignment"] = derive_alignment(states).map(lambda v: f"{v:g}").to_numpy()
            _write_atomic(raw, path)
            print(f"{path}: alignment recomputed for {len(raw)} states")
            return 0
        record = load_record(args.record, states=states)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{len(states)} states; {int(states['esa_member'].sum())} ESA members; "
          f"{int((states['actor'] != '').sum())} named actors")
    table = pd.DataFrame({p: counts_by_year(record, p, range(2020, int(record['year'].max()) + 1))
                          for p in PROGRAMMES})
    print("members at year end:")
    print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
