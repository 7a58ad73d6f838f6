"""The shipped data files are complete and consistent, and the loaders reject bad files
with one-line messages that name the file, the place and the bad value."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.world import states as st

ROOT = Path(__file__).resolve().parent.parent
SHARED_RECORD = Path("/work/shared/data/programme_record_2020_2022.csv")

# The 193 UN member states (UN M49 / ISO 3166-1 alpha-3), typed independently of data/states.csv.
UN_MEMBERS = set("""
AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA
BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE PRK COD DNK
DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB
GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO
LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU
NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT KOR MDA ROU RUS RWA
KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE
SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB
ZWE""".split())


@pytest.fixture(scope="module")
def states():
    return st.load_states()


@pytest.fixture(scope="module")
def record(states):
    return st.load_record(states=states)


# ---------------------------------------------------------------- the shipped files


def test_every_un_member_once(states):
    assert len(UN_MEMBERS) == 193
    assert len(states) == 193
    assert states["iso3"].is_unique and states["name"].is_unique
    assert set(states["iso3"]) == UN_MEMBERS


def test_regions_have_their_un_member_counts(states):
    assert states.groupby("un_region").size().to_dict() == {
        "Africa": 54, "Americas": 35, "Asia": 47, "Europe": 43, "Oceania": 14}


def test_attributes_in_range_and_plausible_in_total(states):
    assert 85_000 < states["gdp_usd_bn_2021"].sum() < 105_000        # world GDP 2021 ~ 96 trn USD
    assert 7_600 < states["population_m_2021"].sum() < 8_000         # world population 2021 ~ 7.9 bn
    by_gdp = states.sort_values("gdp_usd_bn_2021", ascending=False)["iso3"].tolist()
    assert by_gdp[:3] == ["USA", "CHN", "JPN"]
    by_pop = states.sort_values("population_m_2021", ascending=False)["iso3"].tolist()
    assert by_pop[:3] == ["CHN", "IND", "USA"]
    assert states["alignment"].between(-1, 1).all()
    assert set(states.loc[states["human_spaceflight"], "iso3"]) == {"USA", "RUS", "CHN"}
    assert set(states.loc[states["orbital_launch"], "iso3"]) == {
        "USA", "RUS", "CHN", "JPN", "IND", "ISR", "IRN", "PRK"}
    assert states.loc[states["iso3"] == "USA", "satellites_2021"].item() == states["satellites_2021"].max()


def test_alignment_column_is_the_documented_formula(states):
    pd.testing.assert_series_equal(states["alignment"], st.derive_alignment(states),
                                   check_names=False)
    us, cn = (states.set_index("iso3").loc[k, "alignment"] for k in ("USA", "CHN"))
    assert us == 1.0 and cn < 0


def test_memberships_have_their_published_sizes(states):
    assert states["esa_member"].sum() == 22
    assert states["eu_member"].sum() == 27
    assert states["nato_member"].sum() == 30
    assert states["iss_partner"].sum() == 15
    assert states["apsco_member"].sum() == 8
    iss = set(states.loc[states["iss_partner"], "iso3"])
    assert {"USA", "RUS", "JPN", "CAN"} <= iss
    assert iss - {"USA", "RUS", "JPN", "CAN"} <= set(states.loc[states["esa_member"], "iso3"])


def test_named_actors_of_the_documents_are_rows(states):
    cfg = yaml.safe_load((ROOT / "configs/actors/documented.yaml").read_text(encoding="utf-8"))
    named_states = {name for name, a in cfg.items() if a.get("un_member", True)}
    assert "ESA" not in named_states
    actors = set(states.loc[states["actor"] != "", "actor"])
    assert named_states == actors


def test_record_states_are_states_and_counts_match_the_public_record(states, record):
    assert set(record["iso3"]) <= set(states["iso3"])
    years = [2020, 2021, 2022]
    assert st.counts_by_year(record, "artemis_accords", years).tolist() == [9, 14, 23]
    assert st.counts_by_year(record, "ilrs", years).tolist() == [0, 2, 2]
    assert st.counts_by_year(record, "tiangong", years).tolist() == [0, 1, 1]
    assert st.members_at(record, "tiangong", 2022) == ["CHN"]
    assert st.counts_by_year(record, "iss", years).tolist() == [15, 15, 15]
    iss = set(record.loc[record["programme"] == "iss", "iso3"])
    assert iss == set(states.loc[states["iss_partner"], "iso3"])


def test_yearly_accessions(record):
    assert st.joins_by_year(record, "artemis_accords").to_dict() == {2020: 9, 2021: 5, 2022: 9}
    assert st.joins_by_year(record, "ilrs", [2020, 2021, 2022]).tolist() == [0, 2, 0]
    assert st.members_at(record, "ilrs", 2021) == ["CHN", "RUS"]
    assert st.counts_by_year(record.iloc[:0], "ilrs").empty
    with pytest.raises(ValueError, match="programme='gateway'"):
        st.counts_by_year(record, "gateway")


def test_calibration_record_stops_at_2022_and_holdout_is_separate(states, record):
    assert record["year"].max() == 2022
    holdout = st.load_record(st.HOLDOUT_FILE, states=states)
    assert holdout["year"].min() >= 2023
    assert not set(zip(holdout["programme"], holdout["iso3"])) & set(zip(record["programme"], record["iso3"]))
    both = pd.concat([record, holdout], ignore_index=True)
    assert st.counts_by_year(both, "artemis_accords", [2023]).tolist() == [33]
    assert len(st.load_record(st.HOLDOUT_FILE, states=states, through=2022)) == 0


@pytest.mark.skipif(not SHARED_RECORD.exists(), reason="the shared folder is not present in a clone")
def test_record_copies_the_shared_public_record(record):
    shared = pd.read_csv(SHARED_RECORD, dtype=str, keep_default_na=False)
    ours = record[record["programme"].isin(["artemis_accords", "ilrs"])]
    assert ours[list(shared.columns)].reset_index(drop=True).equals(shared)


def test_every_column_has_a_source(states, record):
    sources = st.load_sources()
    for file, cols in (("states.csv", states.columns),
                       ("programme_record_2020_2022.csv", st.RECORD_COLUMNS),
                       ("programme_record_2023_2025_holdout.csv", st.RECORD_COLUMNS)):
        listed = set(sources.loc[sources["file"] == file, "column"])
        assert set(cols) == listed, file
    assert (sources["source"] != "").all() and (sources["status"] != "").all()


def test_uncertain_values_are_flagged(states):
    flagged = states.set_index("iso3")["uncertain_fields"]
    for iso in ("PRK", "VEN", "ERI", "SYR", "CUB"):       # no World Bank GDP for 2021
        assert "gdp_usd_bn_2021" in flagged[iso]


# ---------------------------------------------------------------- bad files


def _states_rows():
    text = st.STATES_FILE.read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def _write(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def _set(rows, iso3, column, value):
    header = rows[0]
    for r in rows[1:]:
        if r[0] == iso3:
            r[header.index(column)] = value
    return rows


def _one_line(err: Exception, *parts):
    msg = str(err)
    assert "\n" not in msg, msg
    for p in parts:
        assert p in msg, (p, msg)


BAD_STATES = {
    "missing column": (lambda r: [row[:-1] for row in r], ["missing column 'note'"]),
    "duplicate iso3": (lambda r: _set(r, "FRA", "iso3", "DEU"), ["'DEU'", "column iso3", "appears twice"]),
    "bad iso3": (lambda r: _set(r, "FRA", "iso3", "Fra"), ["'Fra'", "alpha-3"]),
    "negative gdp": (lambda r: _set(r, "FRA", "gdp_usd_bn_2021", "-5"), ["'-5'", "gdp_usd_bn_2021", "must be in"]),
    "text gdp": (lambda r: _set(r, "FRA", "gdp_usd_bn_2021", "lots"), ["'lots'", "must be a number"]),
    "nan population": (lambda r: _set(r, "FRA", "population_m_2021", "nan"), ["'nan'", "finite"]),
    "empty population": (lambda r: _set(r, "FRA", "population_m_2021", ""), ["population_m_2021", "empty"]),
    "fractional satellites": (lambda r: _set(r, "FRA", "satellites_2021", "2.5"), ["'2.5'", "whole number"]),
    "alignment out of range": (lambda r: _set(r, "FRA", "alignment", "1.5"), ["'1.5'", "[-1, 1]"]),
    "bad bool": (lambda r: _set(r, "FRA", "esa_member", "maybe"), ["'maybe'", "esa_member", "true or false"]),
    "unknown subregion": (lambda r: _set(r, "FRA", "un_subregion", "Gaul"), ["'Gaul'", "M49"]),
    "region mismatch": (lambda r: _set(r, "FRA", "un_region", "Asia"), ["'Western Europe'", "not to un_region"]),
    "unknown treaty": (lambda r: _set(r, "FRA", "us_treaties", "NATO; SEATO"), ["'SEATO'", "us_treaties"]),
    "ally flag inconsistent": (lambda r: _set(r, "FRA", "us_treaty_ally", "false"), ["us_treaty_ally"]),
    "unknown uncertain field": (lambda r: _set(r, "FRA", "uncertain_fields", "gdp"), ["'gdp'", "column names"]),
    "duplicate actor": (lambda r: _set(r, "FRA", "actor", "UK"), ["'UK'", "actor"]),
    "crew without launcher": (lambda r: _set(r, "FRA", "human_spaceflight", "true"), ["human_spaceflight"]),
    "192 states": (lambda r: [row for row in r if row[0] != "FRA"], ["192", "exactly 193"]),
    "repeated header": (lambda r: [row + [row[-1]] for row in r], ["'note'", "more than once"]),
}


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_load_states_rejects_bad_file_in_one_line(tmp_path, case):
    mutate, parts = BAD_STATES[case]
    path = _write(tmp_path / "states.csv", mutate(_states_rows()))
    with pytest.raises(st.DataError) as e:
        st.load_states(path)
    _one_line(e.value, str(path), *parts)
    if case not in ("missing column", "192 states", "repeated header"):
        france = next(i for i, row in enumerate(_states_rows()) if row[0] == "FRA") + 1
        assert f"line {france}" in str(e.value) or case == "duplicate actor"


@pytest.mark.parametrize("content, part", [
    (b"", "is empty"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b'iso3,name\n"unclosed,\n', "not valid CSV"),
])
def test_load_states_rejects_unreadable_file(tmp_path, content, part):
    path = tmp_path / "states.csv"
    path.write_bytes(content)
    with pytest.raises(st.DataError) as e:
        st.load_states(path)
    _one_line(e.value, str(path), part)


def test_load_states_missing_file(tmp_path):
    with pytest.raises(st.DataError) as e:
        st.load_states(tmp_path / "nope.csv")
    _one_line(e.value, "nope.csv", "does not exist")


RECORD_HEADER = list(st.RECORD_COLUMNS)
GOOD = ["artemis_accords", "Japan", "JPN", "2020-10", "", "NASA", "sourced"]
BAD_RECORDS = {
    "unknown state": ([GOOD, ["ilrs", "Taiwan", "TWN", "2021-03", "", "x", "sourced"]], ["'TWN'", "line 3"]),
    "bad month": ([["ilrs", "China", "CHN", "2021-13", "", "x", "sourced"]], ["'2021-13'", "YYYY-MM"]),
    "day given": ([["ilrs", "China", "CHN", "2021-03-09", "", "x", "sourced"]], ["'2021-03-09'"]),
    "too early": ([["iss", "Japan", "JPN", "1990-01", "", "x", "sourced"]], ["'1990-01'", "between 1998-01"]),
    "future": ([["ilrs", "China", "CHN", "2999-01", "", "x", "sourced"]], ["'2999-01'", "no future dates"]),
    "duplicate": ([GOOD, GOOD], ["artemis_accords JPN", "line 3", "appears twice"]),
    "unknown programme": ([["gateway", "Japan", "JPN", "2020-10", "", "x", "sourced"]], ["'gateway'", "artemis_accords"]),
    "bad status": ([["ilrs", "China", "CHN", "2021-03", "", "x", "rumour"]], ["'rumour'", "status"]),
    "no source": ([["ilrs", "China", "CHN", "2021-03", "", "", "sourced"]], ["column source"]),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_load_record_rejects_bad_file_in_one_line(tmp_path, states, case):
    rows, parts = BAD_RECORDS[case]
    path = _write(tmp_path / "record.csv", [RECORD_HEADER, *rows])
    with pytest.raises(st.DataError) as e:
        st.load_record(path, states=states)
    _one_line(e.value, str(path), *parts)


def test_load_record_missing_column(tmp_path, states):
    path = _write(tmp_path / "record.csv", [RECORD_HEADER[:-1], GOOD[:-1]])
    with pytest.raises(st.DataError) as e:
        st.load_record(path, states=states)
    _one_line(e.value, "missing column 'status'")


def test_user_can_add_a_signature_and_cut_it_for_calibration(tmp_path, states):
    rows = list(csv.reader(io.StringIO(st.RECORD_FILE.read_text(encoding="utf-8"))))
    rows.append(["artemis_accords", "Czech Republic", "CZE", "2023-05", "", "NASA announcement", "sourced"])
    path = _write(tmp_path / "record.csv", rows)
    rec = st.load_record(path, states=states)
    assert st.counts_by_year(rec, "artemis_accords", [2022, 2023]).tolist() == [23, 24]
    assert st.load_record(path, states=states, through=2022)["year"].max() == 2022


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim.world.states", *args], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_check_prints_counts_and_fails_in_one_line(tmp_path):
    ok = _cli("check")
    assert ok.returncode == 0, ok.stderr
    assert "193 states" in ok.stdout and "2022" in ok.stdout
    bad = _write(tmp_path / "states.csv", _set(_states_rows(), "FRA", "eu_member", "oui"))
    res = _cli("check", "--states", str(bad))
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "'oui'" in res.stderr and "Traceback" not in res.stderr


def test_cli_fill_alignment_recomputes_the_column(tmp_path):
    path = _write(tmp_path / "states.csv", _set(_states_rows(), "FRA", "unga_ideal_point", "-2"))
    before = st.load_states(path).set_index("iso3").loc["FRA", "alignment"]   # loads; column now stale
    assert before == 0.85
    res = _cli("fill-alignment", "--states", str(path))
    assert res.returncode == 0, res.stderr
    france = st.load_states(path).set_index("iso3").loc["FRA"]
    assert france["alignment"] == pytest.approx(max(-1.0, 0.4 * -2 + 0.25))
    assert not list(tmp_path.glob(".*.tmp"))
