"""The synthetic registry generator: reproducible, valid, realistic, with its truth."""

from __future__ import annotations

import csv
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from graph.model import Enterprise, RoleType, Sex
from linkage.enterprises import EnterpriseIndex
from linkage.ids import (
    county_codes_in_use,
    make_resident_id,
    normalize_org_code,
    normalize_registration_no,
    normalize_resident_id,
    normalize_uscc,
)
from loaders.generator import (
    DEFAULT_SOURCES,
    HEADERS,
    REFERENCE_DATE,
    Corruption,
    CorruptionRates,
    EnterpriseStatus,
    GeneratorConfig,
    RegistryStream,
    SanctionRates,
    SanctionType,
    generate,
)
from loaders.generator.config import SourceProfile
from loaders.generator.corruption import (
    IdSpoiler,
    add_spaces,
    mistype_digit,
    swap_digits,
    to_full_width,
)
from loaders.generator.enterprises import (
    BOARD_SIZES,
    FIRST_FOUNDING_YEAR,
    MANAGER_SEATS,
    SUPERVISOR_SEATS,
    USCC_YEAR,
)
from loaders.generator.persons import add_years

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

Rows = list[dict[str, str]]

# rates high enough that every corruption occurs many times in a small registry
NOISY = GeneratorConfig(
    rates=CorruptionRates(
        legacy_15=0.2,
        lowercase_x=0.6,
        full_width=0.1,
        spaces=0.1,
        digit_typo=0.06,
        digit_swap=0.06,
        missing_id=0.05,
        traditional=0.1,
        homophone=0.1,
        name_typo=0.1,
        role_scale=1.0,
    ),
    sanctions=SanctionRates(
        enterprise=tuple((t, 0.1) for t in SanctionType),
        person=tuple((t, 0.01) for t in SanctionType),
    ),
)
PERMIT_PREFIXES = ("810000", "820000", "830000")
AUTHORITY = re.compile(
    r"^(?:\S+[省市区县州旗盟](?:市场监督管理局|工商行政管理局|人民法院)"
    r"|国家税务总局\S+[市州区盟]税务局稽查局|\S+[市州区盟]地方税务局稽查局)$"
)
DECISION_NO = re.compile(r"^(?:[^〔〕]+〔\d{4}〕\d+号|（\d{4}）[^（）]+\d{4}执\d+号)$")


def _read(directory: Path, name: str) -> Rows:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _firms(directory: Path) -> EnterpriseIndex:
    """The enterprises of enterprises.csv by every identifier they carry."""
    return EnterpriseIndex.of(
        Enterprise(
            r["credit_code"],
            r["name"],
            org_code=r["org_code"].replace("-", "") or None,
            registration_no=r["registration_no"] or None,
        )
        for r in _read(directory, "enterprises.csv")
    )


def _code_of(firms: EnterpriseIndex, written: str) -> str:
    """The credit code an enterprise column names (old registers: legacy ids)."""
    code = firms.credit_code_of(written)
    assert code is not None, written
    return code


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _birth(person_id: str) -> date:
    return date(int(person_id[6:10]), int(person_id[10:12]), int(person_id[12:14]))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the default (realistic) rates."""
    out = tmp_path_factory.mktemp("registry")
    generate(out, persons=3000, enterprises=300, seed=11)
    return out


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with raised corruption rates."""
    out = tmp_path_factory.mktemp("noisy")
    generate(out, persons=3000, enterprises=250, seed=5, config=NOISY)
    return out


# ------------------------------------------------------------------ reproducibility


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in sorted(HEADERS)}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", persons=800, enterprises=80, seed=3)
    second = generate(tmp_path / "b", persons=800, enterprises=80, seed=3)
    assert first == second
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")


def test_two_processes_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    one = generate(tmp_path / "one", persons=700, enterprises=70, seed=3, jobs=1)
    two = generate(tmp_path / "two", persons=700, enterprises=70, seed=3, jobs=2)
    assert one == two
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")


def test_a_failing_second_process_fails_the_generation(tmp_path: Path) -> None:
    (tmp_path / "persons.csv").mkdir()  # the second process cannot write there
    with pytest.raises(RuntimeError, match="person writer"):
        generate(tmp_path, persons=300, enterprises=10, seed=3, jobs=2)


def test_other_seed_gives_other_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", persons=800, enterprises=80, seed=3)
    generate(tmp_path / "b", persons=800, enterprises=80, seed=4)
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert all(a[name] != b[name] for name in a)


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_files_do_not_depend_on_the_hash_seed(tmp_path: Path, hash_seed: str) -> None:
    generate(tmp_path / "here", persons=600, enterprises=60, seed=9)
    script = (
        "import sys; from pathlib import Path\n"
        "from loaders.generator import generate\n"
        "generate(Path(sys.argv[1]), persons=600, enterprises=60, seed=9)\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "there")],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    assert _snapshot(tmp_path / "here") == _snapshot(tmp_path / "there")


def test_reference_date_bounds_every_date(tmp_path: Path) -> None:
    today = date(2019, 6, 30)
    config = replace(NOISY, today=today)
    generate(tmp_path, persons=1000, enterprises=100, seed=2, config=config)
    for name, columns in (
        ("persons.csv", ("birth_date",)),
        ("enterprises.csv", ("founded_on",)),
        ("roles.csv", ("since",)),
        ("sanctions.csv", ("violation_date", "decided_on")),
    ):
        for row in _read(tmp_path, name):
            for column in columns:
                if row[column]:
                    assert date.fromisoformat(row[column]) < today, (name, row)


def test_headers_are_the_documented_columns(registry: Path) -> None:
    for name, header in HEADERS.items():
        with (registry / name).open(encoding="utf-8") as handle:
            assert tuple(next(csv.reader(handle))) == header


# --------------------------------------------------------------------------- persons


def test_true_ids_are_valid_with_regions_of_their_issue_year(registry: Path) -> None:
    ids = sorted({row["true_person_id"] for row in _read(registry, "truth.csv")})
    assert len(ids) == 3000
    oldest, youngest = add_years(REFERENCE_DATE, -81), add_years(REFERENCE_DATE, -18)
    permits = 0
    for person_id in ids:
        assert normalize_resident_id(person_id) == person_id
        born = _birth(person_id)
        assert oldest < born <= youngest
        if person_id[:6] in PERMIT_PREFIXES:
            permits += 1
        else:
            assert person_id[:6] in county_codes_in_use(max(born.year, 1984))
    assert 0 < permits < 60  # about 0.5 %


def test_birth_date_and_sex_columns_agree_with_the_number(registry: Path) -> None:
    truth = {
        (r["source"], r["record_id"]): r["true_person_id"]
        for r in _read(registry, "truth.csv")
    }
    filled = 0
    for row in _read(registry, "persons.csv"):
        true_id = truth[(row["source"], row["record_id"])]
        assert bool(row["birth_date"]) == bool(row["sex"])
        if row["birth_date"]:
            filled += 1
            assert date.fromisoformat(row["birth_date"]) == _birth(true_id)
            male = int(true_id[16]) % 2 == 1
            assert row["sex"] == (Sex.MALE if male else Sex.FEMALE).value
    assert filled > 0


def test_each_person_is_in_one_to_four_sources_and_ten_percent_in_several(
    registry: Path,
) -> None:
    sources: dict[str, list[str]] = defaultdict(list)
    for row in _read(registry, "truth.csv"):
        sources[row["true_person_id"]].append(row["source"])
    counts = Counter(len(found) for found in sources.values())
    assert set(counts) <= {1, 2, 3, 4}
    assert all(len(set(found)) == len(found) for found in sources.values())
    duplicated = sum(n for k, n in counts.items() if k > 1) / len(sources)
    assert duplicated >= 0.10


def test_record_keys_are_unique(registry: Path) -> None:
    keys = [(r["source"], r["record_id"]) for r in _read(registry, "persons.csv")]
    keys += [(r["source"], r["record_id"]) for r in _read(registry, "roles.csv")]
    assert len(keys) == len(set(keys))
    truth = [(r["source"], r["record_id"]) for r in _read(registry, "truth.csv")]
    truth += [(r["source"], r["record_id"]) for r in _read(registry, "roles_truth.csv")]
    assert sorted(truth) == sorted(keys)


# ----------------------------------------------------------------------- corruptions


def _corrupted(directory: Path) -> Iterable[tuple[dict[str, str], str, set[str]]]:
    """(persons row, true id, corruptions) of every person record."""
    people = {(r["source"], r["record_id"]): r for r in _read(directory, "persons.csv")}
    for truth in _read(directory, "truth.csv"):
        row = people[(truth["source"], truth["record_id"])]
        applied = set(truth["corruptions"].split(";")) - {""}
        yield row, truth["true_person_id"], applied


def test_every_corruption_occurs(noisy: Path) -> None:
    seen = Counter(c for _, _, applied in _corrupted(noisy) for c in applied)
    assert set(seen) == {c.value for c in Corruption}
    assert min(seen.values()) >= 10


def test_realistic_rates_leave_most_records_clean(registry: Path) -> None:
    rows = list(_corrupted(registry))
    clean = sum(1 for _, _, applied in rows if not applied)
    assert 0.6 < clean / len(rows) < 0.95


@pytest.mark.parametrize(
    "corruption", [c for c in Corruption if c.preserves_id], ids=str
)
def test_id_preserving_corruptions_normalise_to_the_true_id(
    noisy: Path, corruption: Corruption
) -> None:
    checked = 0
    for row, true_id, applied in _corrupted(noisy):
        if corruption.value not in applied:
            continue
        if any(
            not Corruption(c).preserves_id and not Corruption(c).touches_name
            for c in applied
        ):
            continue
        assert row["id_number"] != true_id
        assert normalize_resident_id(row["id_number"]) == true_id
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("corruption", [c for c in Corruption if c.breaks_id], ids=str)
def test_id_breaking_corruptions_lose_the_true_id(
    noisy: Path, corruption: Corruption
) -> None:
    checked = 0
    for row, true_id, applied in _corrupted(noisy):
        if corruption.value not in applied:
            continue
        value = row["id_number"]
        assert value
        assert value != true_id
        try:
            normalized = normalize_resident_id(value)
        except ValueError:
            normalized = None
        assert normalized != true_id
        checked += 1
    assert checked >= 10


def test_missing_id_leaves_the_number_blank(noisy: Path) -> None:
    for row, _, applied in _corrupted(noisy):
        assert (row["id_number"] == "") == (Corruption.MISSING_ID.value in applied)


def test_uncorrupted_numbers_are_the_true_number(noisy: Path) -> None:
    for row, true_id, applied in _corrupted(noisy):
        if (
            not any(
                Corruption(c).preserves_id or Corruption(c).breaks_id for c in applied
            )
            and Corruption.MISSING_ID.value not in applied
        ):
            assert row["id_number"] == true_id


def _readings(name: str) -> list[str]:
    """Pinyin with tone of each character read alone (as the generator reads it)."""
    return lazy_pinyin(list(name), style=Style.TONE3)


def test_name_corruptions_are_the_kind_they_claim() -> None:
    stream = RegistryStream(persons=3000, enterprises=0, seed=8, config=NOISY)
    seen: Counter[str] = Counter()
    for person, records, _ in stream.persons():
        true_reading = _readings(person.name)
        for record in records:
            kinds = {c for c in record.corruptions if c.touches_name}
            if not kinds:
                assert record.name == person.name
                continue
            (kind,) = kinds
            seen[kind] += 1
            assert record.name != person.name
            assert len(record.name) == len(person.name)
            reading = _readings(record.name)
            if kind is Corruption.HOMOPHONE:
                assert reading == true_reading
            elif kind is Corruption.NAME_TYPO:
                assert reading != true_reading
                assert [r.rstrip("012345") for r in reading] == [
                    r.rstrip("012345") for r in true_reading
                ]
    assert min(seen[k] for k in Corruption if k.touches_name) >= 20


def test_role_numbers_are_spoiled_less_often(registry: Path) -> None:
    def rate(name: str) -> float:
        rows = _read(registry, name)
        return sum(1 for r in rows if r["corruptions"]) / len(rows)

    assert 0 < rate("roles_truth.csv") < rate("truth.csv")


def test_role_numbers_keep_their_truth(noisy: Path) -> None:
    roles = {(r["source"], r["record_id"]): r for r in _read(noisy, "roles.csv")}
    spoiled = 0
    for truth in _read(noisy, "roles_truth.csv"):
        value = roles[(truth["source"], truth["record_id"])]["person_id_number"]
        applied = {Corruption(c) for c in truth["corruptions"].split(";") if c}
        if not applied:
            assert value == truth["true_person_id"]
        elif all(c.preserves_id for c in applied):
            spoiled += 1
            assert normalize_resident_id(value) == truth["true_person_id"]
    assert spoiled > 0


# ---------------------------------------------------------------- ID spoiler (props)

_VALID_IDS = st.builds(
    make_resident_id,
    st.sampled_from(county_codes_in_use(1990)),
    st.dates(date(1930, 1, 1), date(1990, 12, 31)),  # codes of 1990: births to 1990
    st.integers(0, 999),
)


@given(person_id=_VALID_IDS, seed=st.integers(0, 2**32))
@settings(max_examples=200)
def test_format_corruptions_preserve_any_number(person_id: str, seed: int) -> None:
    rng = random.Random(seed)
    assert normalize_resident_id(to_full_width(person_id)) == person_id
    assert normalize_resident_id(add_spaces(rng, person_id)) == person_id
    assert normalize_resident_id(person_id.lower()) == person_id


@given(person_id=_VALID_IDS, seed=st.integers(0, 2**32))
@settings(max_examples=200)
def test_typos_and_swaps_never_give_a_valid_number(person_id: str, seed: int) -> None:
    rng = random.Random(seed)
    mistyped = mistype_digit(rng, person_id)
    assert mistyped != person_id
    assert sum(a != b for a, b in zip(mistyped, person_id, strict=True)) == 1
    with pytest.raises(ValueError, match=r"."):
        normalize_resident_id(mistyped)
    swapped = swap_digits(rng, person_id)
    assert swapped is not None
    assert sorted(swapped) == sorted(person_id)
    assert swapped != person_id
    with pytest.raises(ValueError, match=r"."):
        normalize_resident_id(swapped)


def test_swap_needs_two_different_digits() -> None:
    assert swap_digits(random.Random(1), "1111111111111111111") is None


def test_id_spoiler_draws_each_corruption_at_its_rate() -> None:
    """The one-draw fast path and the conditional draws give the nominal rates."""
    rates = CorruptionRates(
        legacy_15=0.1,
        lowercase_x=0.0,
        full_width=0.05,
        spaces=0.2,
        digit_typo=0.02,
        digit_swap=0.0,
        missing_id=0.03,
    )
    source = SourceProfile("s", "S", 1.0, 1.0, 1.0, 1.0, 1.0)
    spoiler = IdSpoiler(rates, source)
    rng = random.Random(0)
    person_id = make_resident_id("510104", date(1980, 5, 17), 123)
    n = 40_000
    seen: Counter[Corruption] = Counter()
    for _ in range(n):
        _, applied = spoiler.spoil(rng, person_id, legacy_ok=True)
        seen.update(applied)
    # missing ends the record; the others are counted among the records with a number
    expected = {
        Corruption.MISSING_ID: 0.03,
        Corruption.LEGACY_15: 0.1 * 0.97,
        Corruption.SPACES: 0.2 * 0.97,
        Corruption.FULL_WIDTH: 0.05 * 0.97,
        Corruption.DIGIT_TYPO: 0.02 * 0.97,
    }
    for corruption, p in expected.items():
        sigma = (p * (1 - p) / n) ** 0.5
        assert abs(seen[corruption] / n - p) < 4 * sigma, corruption
    assert Corruption.DIGIT_SWAP not in seen
    assert Corruption.LOWERCASE_X not in seen


def test_keep_id_never_loses_the_number() -> None:
    rates = CorruptionRates(missing_id=1.0, digit_typo=1.0, digit_swap=1.0, spaces=1.0)
    spoiler = IdSpoiler(rates, DEFAULT_SOURCES[1])
    person_id = make_resident_id("510104", date(1980, 5, 17), 123)
    rng = random.Random(4)
    for _ in range(50):
        number, applied = spoiler.spoil(rng, person_id, legacy_ok=True, keep_id=True)
        assert normalize_resident_id(number) == person_id
        assert all(c.preserves_id for c in applied)


# ----------------------------------------------------------------------- enterprises


def test_enterprises_have_valid_unique_codes_and_usual_names(registry: Path) -> None:
    rows = _read(registry, "enterprises.csv")
    assert len(rows) == 300
    assert len({r["credit_code"] for r in rows}) == 300
    assert len({r["name"] for r in rows}) == 300
    statuses = {s.value for s in EnterpriseStatus}
    for row in rows:
        assert normalize_uscc(row["credit_code"]) == row["credit_code"]
        assert row["credit_code"].startswith("91")
        assert row["name"].endswith("公司")
        assert row["status"] in statuses
        assert (
            date(1995, 1, 1) <= date.fromisoformat(row["founded_on"]) < REFERENCE_DATE
        )
    assert len(Counter(r["status"] for r in rows)) >= 4


def test_enterprises_are_founded_a_month_before_the_reference_date() -> None:
    stream = RegistryStream(persons=300, enterprises=3000, seed=4, config=NOISY)
    list(stream.persons())
    founded = [e.founded_on for e, _, _ in stream.enterprises()]
    assert min(founded) >= date(FIRST_FOUNDING_YEAR, 1, 1)
    assert max(founded) <= REFERENCE_DATE - timedelta(days=30)
    assert max(founded).year == REFERENCE_DATE.year - 1


def _roles_by_enterprise(directory: Path) -> dict[str, list[dict[str, str]]]:
    by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    firms = _firms(directory)
    for row in _read(directory, "roles.csv"):
        by_code[_code_of(firms, row["credit_code"])].append(row)
    return by_code


def _holders_on(rows: list[dict[str, str]], role: RoleType, day: date) -> int:
    return sum(
        1
        for r in rows
        if r["role"] == role.value
        and date.fromisoformat(r["since"]) <= day
        and (not r["until"] or day < date.fromisoformat(r["until"]))
    )


def _boundaries(rows: list[dict[str, str]], founded: date) -> list[date]:
    """Every day on which some holder count can change, from founding on."""
    days = {founded, REFERENCE_DATE - timedelta(days=1)}
    for r in rows:
        days.add(date.fromisoformat(r["since"]))
        if r["until"]:
            day = date.fromisoformat(r["until"])
            days.update({day, day - timedelta(days=1)})
    return sorted(d for d in days if founded <= d < REFERENCE_DATE)


@pytest.mark.parametrize(
    ("role", "low", "high"),
    [
        (RoleType.LEGAL_REPRESENTATIVE, 1, 1),
        (RoleType.DIRECTOR, *BOARD_SIZES),
        (RoleType.SUPERVISOR, *SUPERVISOR_SEATS),
        (RoleType.SENIOR_MANAGER, *MANAGER_SEATS),
    ],
    ids=str,
)
def test_offices_are_filled_on_every_day_from_founding(
    registry: Path, role: RoleType, low: int, high: int
) -> None:
    by_code = _roles_by_enterprise(registry)
    for firm in _read(registry, "enterprises.csv"):
        rows = by_code[firm["credit_code"]]
        founded = date.fromisoformat(firm["founded_on"])
        counts = {_holders_on(rows, role, d) for d in _boundaries(rows, founded)}
        assert counts, firm
        assert low <= min(counts), firm
        assert max(counts) <= high, firm
        assert _holders_on(rows, role, founded - timedelta(days=1)) == 0


def test_board_sizes_cover_the_range(registry: Path) -> None:
    sizes: Counter[int] = Counter()
    for rows in _roles_by_enterprise(registry).values():
        founded = min(date.fromisoformat(r["since"]) for r in rows)
        sizes[_holders_on(rows, RoleType.DIRECTOR, founded)] += 1
    assert set(sizes) == set(range(BOARD_SIZES[0], BOARD_SIZES[1] + 1))


def test_roles_change_over_time_and_holders_are_adults(registry: Path) -> None:
    truth = {
        r["record_id"]: r["true_person_id"] for r in _read(registry, "roles_truth.csv")
    }
    founded = {
        r["credit_code"]: r["founded_on"] for r in _read(registry, "enterprises.csv")
    }
    ended = 0
    firms = _firms(registry)
    for row in _read(registry, "roles.csv"):
        assert row["role"] in {r.value for r in RoleType}
        since = date.fromisoformat(row["since"])
        assert row["since"] >= founded[_code_of(firms, row["credit_code"])]
        if row["until"]:
            ended += 1
            assert date.fromisoformat(row["until"]) > since
        assert 18 <= _age(_birth(truth[row["record_id"]]), since) <= 80
    assert ended > 0


def test_some_people_hold_roles_in_several_enterprises(registry: Path) -> None:
    truth = {
        r["record_id"]: r["true_person_id"] for r in _read(registry, "roles_truth.csv")
    }
    firms: dict[str, set[str]] = defaultdict(set)
    index = _firms(registry)
    for row in _read(registry, "roles.csv"):
        firms[truth[row["record_id"]]].add(_code_of(index, row["credit_code"]))
    busy = sum(1 for codes in firms.values() if len(codes) >= 2)
    assert busy >= 20


def test_role_holders_are_people_of_the_registry(registry: Path) -> None:
    people = {r["true_person_id"] for r in _read(registry, "truth.csv")}
    holders = {r["true_person_id"] for r in _read(registry, "roles_truth.csv")}
    assert holders <= people


# ------------------------------------------------------------------------- sanctions


def test_sanctions_reach_only_valid_known_subjects(registry: Path) -> None:
    rows = _read(registry, "sanctions.csv")
    firms = _firms(registry)
    people = {r["true_person_id"] for r in _read(registry, "truth.csv")}
    assert {r["subject_kind"] for r in rows} == {"enterprise", "person"}
    for row in rows:
        if row["subject_kind"] == "enterprise":
            assert firms.credit_code_of(row["subject_id"]) is not None
        else:
            assert normalize_resident_id(row["subject_id"]) == row["subject_id"]
            assert row["subject_id"] in people
    assert len({r["sanction_id"] for r in rows}) == len(rows)


def test_sanctioned_people_are_on_record_with_a_usable_number(noisy: Path) -> None:
    usable: set[str] = set()
    for row, true_id, _ in _corrupted(noisy):
        if row["id_number"]:
            try:
                if normalize_resident_id(row["id_number"]) == true_id:
                    usable.add(true_id)
            except ValueError:
                pass
    for row in _read(noisy, "sanctions.csv"):
        if row["subject_kind"] == "person":
            assert row["subject_id"] in usable


def test_sanctions_have_catalogue_types_numbers_and_ordered_dates(
    noisy: Path,
) -> None:
    rows = _read(noisy, "sanctions.csv")
    kinds = {(r["subject_kind"], r["type"]) for r in rows}
    assert {t for _, t in kinds} == {t.value for t in SanctionType}
    for row in rows:
        assert DECISION_NO.match(row["decision_no"]), row["decision_no"]
        assert AUTHORITY.match(row["authority"]), row["authority"]
        violation = date.fromisoformat(row["violation_date"])
        decided = date.fromisoformat(row["decided_on"])
        until = date.fromisoformat(row["display_until"])
        assert date(2014, 1, 1) <= violation <= decided < REFERENCE_DATE
        assert decided < until
    numbers = [(r["authority"], r["decision_no"]) for r in rows]
    assert len(numbers) == len(set(numbers))


def test_enterprise_sanctions_fall_while_it_is_registered() -> None:
    stream = RegistryStream(persons=300, enterprises=2000, seed=4, config=NOISY)
    list(stream.persons())
    checked = closed = 0
    for firm, _, sanctions in stream.enterprises():
        for values in sanctions:
            row = dict(zip(HEADERS["sanctions.csv"], values, strict=True))
            assert row["subject_id"] == firm.credit_code
            decided = date.fromisoformat(row["decided_on"])
            assert firm.founded_on < date.fromisoformat(row["violation_date"])
            if firm.closed_on is not None:
                closed += 1
                assert decided < firm.closed_on
            checked += 1
    assert checked > 100
    assert closed > 10


# -------------------------------------------------------------------- names, config


def test_name_frequencies_are_realistic() -> None:
    stream = RegistryStream(
        persons=20_000, enterprises=0, seed=1, config=GeneratorConfig()
    )
    names = [person.name for person, _, _ in stream.persons()]
    surnames = Counter(name[0] for name in names)
    top = [s for s, _ in surnames.most_common(5)]
    assert set(top) == set("王李张刘陈")
    assert sum(surnames[s] for s in top) / len(names) > 0.25
    full = Counter(names)
    shared = sum(n for n in full.values() if n > 1)
    assert shared / len(names) > 0.05  # full names collide between different people
    assert full.most_common(1)[0][1] >= 5
    lengths = Counter(len(name) for name in names)
    assert lengths[3] > 0.8 * len(names)
    assert lengths[2] > 0


def test_names_follow_sex_and_era() -> None:
    stream = RegistryStream(
        persons=4000, enterprises=0, seed=6, config=GeneratorConfig()
    )
    given: dict[tuple[Sex, bool], Counter[str]] = defaultdict(Counter)
    for person, _, _ in stream.persons():
        old = person.birth_date.year < 1970
        given[(person.sex, old)].update(person.name[1:])
    assert given[(Sex.FEMALE, True)]["英"] > given[(Sex.FEMALE, False)]["英"]
    assert given[(Sex.MALE, False)]["宇"] > given[(Sex.MALE, True)]["宇"]
    assert given[(Sex.FEMALE, True)]["英"] > given[(Sex.MALE, True)]["英"]


def test_rates_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="spaces"):
        CorruptionRates(spaces=1.5)
    with pytest.raises(ValueError, match="missing_id"):
        CorruptionRates(missing_id=-0.1)


def test_sources_must_be_distinct() -> None:
    twice = (DEFAULT_SOURCES[0], DEFAULT_SOURCES[0], *DEFAULT_SOURCES[1:])
    with pytest.raises(ValueError, match="unique"):
        GeneratorConfig(sources=twice)


def test_enterprises_need_persons_first() -> None:
    stream = RegistryStream(
        persons=300, enterprises=5, seed=1, config=GeneratorConfig()
    )
    with pytest.raises(RuntimeError, match="persons"):
        next(stream.enterprises())
    for _ in stream.persons(pool=False):
        pass
    with pytest.raises(RuntimeError, match="pool"):
        next(stream.enterprises())
    with pytest.raises(ValueError, match="persons"):
        RegistryStream(persons=10, enterprises=5, seed=1, config=GeneratorConfig())


def test_summary_counts_match_the_files(tmp_path: Path) -> None:
    summary = generate(tmp_path, persons=500, enterprises=40, seed=12)
    for name, count in summary.rows_by_file().items():
        assert len(_read(tmp_path, name)) == count
    assert summary.persons == 500
    assert summary.enterprises == 40


# ------------------------------------------------------------------ legacy identifiers


def test_old_enterprises_carry_their_legacy_identifiers(registry: Path) -> None:
    rows = _read(registry, "enterprises.csv")
    old = [r for r in rows if r["founded_on"] < f"{USCC_YEAR}-01-01"]
    assert 0 < len(old) < len(rows)
    for row in rows:
        if row in old:
            org = normalize_org_code(row["org_code"])
            assert org == row["credit_code"][8:17]  # the one in the credit code
            assert normalize_registration_no(row["registration_no"])
        else:
            assert row["org_code"] == row["registration_no"] == ""
    assert len({r["registration_no"] for r in old}) == len(old)
    assert not _firms(registry).conflicts


def test_old_registers_name_enterprises_by_legacy_identifiers(registry: Path) -> None:
    firms = _firms(registry)
    roles = _read(registry, "roles.csv")
    written = Counter(len(r["credit_code"]) for r in roles)
    # organisation codes as printed (10 with the hyphen) and registration numbers
    assert set(written) == {18, 10, 15}
    assert 0.02 < (written[10] + written[15]) / len(roles) < 0.5
    for row in roles:
        if len(row["credit_code"]) != 18:
            assert row["since"] < f"{USCC_YEAR}-01-01"
            assert _code_of(firms, row["credit_code"]) != row["credit_code"]


def test_old_sanctions_name_enterprises_by_legacy_identifiers(tmp_path: Path) -> None:
    rates = SanctionRates(
        enterprise=tuple((kind, 0.5) for kind in SanctionType), person=()
    )
    config = replace(GeneratorConfig(), legacy_refs=1.0, sanctions=rates)
    generate(tmp_path, persons=600, enterprises=60, seed=2, config=config)
    firms = _firms(tmp_path)
    old = {
        r["credit_code"]
        for r in _read(tmp_path, "enterprises.csv")
        if r["registration_no"]
    }
    legacy = 0
    for row in _read(tmp_path, "sanctions.csv"):
        code = _code_of(firms, row["subject_id"])
        before = row["decided_on"] < f"{USCC_YEAR}-01-01"
        assert (code != row["subject_id"]) == (before and code in old)
        legacy += code != row["subject_id"]
    assert legacy > 0


def test_legacy_references_change_nothing_else(tmp_path: Path) -> None:
    """Same seed with and without legacy references: the same registry, only the
    enterprise columns of roles.csv and sanctions.csv differ, and the ground truth
    is byte-identical."""
    generate(tmp_path / "a", persons=800, enterprises=80, seed=3)
    plain = replace(GeneratorConfig(), legacy_refs=0.0)
    generate(tmp_path / "b", persons=800, enterprises=80, seed=3, config=plain)
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    for name in ("persons.csv", "enterprises.csv", "truth.csv", "roles_truth.csv"):
        assert a[name] == b[name]
    firms = _firms(tmp_path / "a")
    for name, column in (("roles.csv", "credit_code"), ("sanctions.csv", "subject_id")):
        rows_a, rows_b = _read(tmp_path / "a", name), _read(tmp_path / "b", name)
        assert len(rows_a) == len(rows_b)
        changed = 0
        for ra, rb in zip(rows_a, rows_b, strict=True):
            if ra[column] != rb[column]:
                changed += 1
                assert firms.credit_code_of(ra[column]) == rb[column]
                ra = {**ra, column: rb[column]}
            assert ra == rb
        assert changed > 0 or name == "sanctions.csv"
