"""load_folder into the embedded store: counts, idempotence, strict mode,
quarantine round trip, stubs, resumption, and the awkward-files corpus."""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded_store import EmbeddedStore
from graph.errors import InvalidRecordError
from graph.model import Counts, EntityKind, RoleType
from linkage.ids import make_resident_id, make_uscc
from loaders.pipeline import LoadReport, load_folder
from loaders.quarantine import META_COLUMNS
from loaders.readers import MAX_ROW_BYTES, InputKind

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from graph.store import GraphStore

P1 = make_resident_id("110105", date(1980, 5, 6), 11)
P2 = make_resident_id("510104", date(1975, 1, 2), 22)
P3 = make_resident_id("510104", date(1990, 12, 31), 33)
C1 = make_uscc("91", "510100", "12345678")
C2 = make_uscc("91", "510104", "87654321")
C3 = make_uscc("92", "510105", "11112222")  # in no enterprises file
C1_BAD_CHECK = C1[:-1] + ("A" if C1[-1] != "A" else "B")


def _bad_check(id18: str) -> str:
    return id18[:-1] + ("0" if id18[-1] != "0" else "1")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _write_csv(
    path: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    db = EmbeddedStore(tmp_path / "x.db")
    yield db
    db.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small registry with one bad row per kind and every kind of stub."""
    root = tmp_path / "in"
    _write_csv(
        root / "enterprises.csv",
        [
            ["统一社会信用代码", "企业名称", "登记状态", "成立日期"],
            [C1, "成都示例科技有限公司", "存续", "2010年5月1日"],
            [C2, "成都样例贸易有限公司", "注销", "2012/03/04"],
            ["NOT-A-CODE", "坏数据公司", "存续", ""],
        ],
        encoding="gb18030",
    )
    _write_csv(
        root / "persons.csv",
        [
            ["name", "id_number", "birth_date", "sex"],
            ["张三", P1, "1980-05-06", "M"],
            ["李四", P2, "", ""],
            ["王五", _bad_check(P3), "", ""],
            ["赵六", P2, "1999-02-30", ""],
        ],
        encoding="utf-8-sig",
    )
    _write_csv(
        root / "dept" / "roles.csv",
        [
            [
                "person_name",
                "person_id_number",
                "credit_code",
                "role",
                "since",
                "until",
            ],
            ["张三", P1, C1, "法定代表人", "2015-01-01", ""],
            ["李四", P2, C1, "董事长兼总经理", "2016-01-01", "2020-01-01"],
            ["孙七", P3, C3, "监事", "", ""],
            ["王五", _bad_check(P3), C2, "董事", "", ""],
            ["张三", P1, C2, "清洁工", "", ""],
        ],
    )
    _write_csv(
        root / "sanctions.csv",
        [
            ["sanction_id", "subject_kind", "subject_id", "type", "decided_on"],
            ["S1", "企业", C1, "严重违法失信名单", "2023-06-01"],
            ["S2", "个人", P1, "失信被执行人", "2023-07-01"],
            ["S3", "person", _bad_check(P2), "失信被执行人", "2023-07-01"],
        ],
    )
    return root


def _summary(report: LoadReport) -> list[tuple[str, int, int, int]]:
    return [(f.path.name, f.read, f.loaded, f.quarantined) for f in report.files]


# --------------------------------------------------------------------------- loads


def test_load_folder(folder: Path, store: EmbeddedStore) -> None:
    report = load_folder(folder, store)
    assert _summary(report) == [
        ("enterprises.csv", 3, 2, 1),
        ("persons.csv", 4, 3, 1),
        ("roles.csv", 5, 4, 1),
        ("sanctions.csv", 3, 2, 1),
    ]
    assert [f.kind for f in report.files] == [
        InputKind.ENTERPRISES,
        InputKind.PERSONS,
        InputKind.ROLES,
        InputKind.SANCTIONS,
    ]
    # persons: P1, P2 from persons.csv, P3 as a stub of its role;
    # enterprises: C1, C2 and the stub C3; roles: 1 + 2 (兼) + 1;
    # source records: 2 enterprise rows + 3 person rows + 4 role rows.
    assert store.counts() == Counts(
        persons=3, enterprises=3, roles=4, sanctions=2, source_records=9
    )
    stub = store.get_enterprise(C3)
    assert stub is not None
    assert stub.name == ""
    p3 = store.get_person(P3)
    assert p3 is not None
    assert p3.name == "孙七"
    assert {r.role for r in store.neighbours(EntityKind.PERSON, P2)} == {
        RoleType.DIRECTOR,
        RoleType.SENIOR_MANAGER,
    }
    unresolved = store.get_source_record("persons.csv", "4")
    assert unresolved is not None
    assert unresolved.entity_key is None
    assert unresolved.raw_dict()["id_error"] == "checksum"
    role_record = store.get_source_record("dept/roles.csv", "5")
    assert role_record is not None
    assert role_record.entity_key is None
    assert role_record.raw_dict()["credit_code"] == C2
    assert [s.sanction_id for s in store.sanctions_against(EntityKind.PERSON, P1)] == [
        "S2"
    ]


def test_report_json(folder: Path, store: EmbeddedStore) -> None:
    report = load_folder(folder, store)
    data = json.loads(report.to_json())
    assert data == report.to_dict()
    assert data["files"][0] == {
        "path": str(folder / "enterprises.csv"),
        "read": 3,
        "loaded": 2,
        "quarantined": 1,
    }
    assert (report.read, report.loaded, report.quarantined) == (15, 11, 4)


def test_loading_twice_changes_nothing(folder: Path, store: EmbeddedStore) -> None:
    first = load_folder(folder, store)
    counts = store.counts()
    person = store.get_person(P1)
    second = load_folder(folder, store)
    assert store.counts() == counts
    assert store.get_person(P1) == person
    assert _summary(second) == _summary(first)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5000])
def test_batch_size_does_not_change_the_result(
    folder: Path, tmp_path: Path, batch_size: int
) -> None:
    seen: list[int] = []
    db = EmbeddedStore(tmp_path / f"b{batch_size}.db")
    try:
        report = load_folder(folder, db, batch_size=batch_size, progress=seen.append)
        assert db.counts() == Counts(
            persons=3, enterprises=3, roles=4, sanctions=2, source_records=9
        )
    finally:
        db.close()
    assert seen == sorted(seen)
    assert seen[-1] == report.read
    if batch_size == 1:
        assert len(seen) >= report.loaded


def test_strict_raises_on_the_first_bad_row(folder: Path, store: EmbeddedStore) -> None:
    with pytest.raises(InvalidRecordError) as info:
        load_folder(folder, store, strict=True)
    error = info.value
    assert (error.source, error.line, error.field) == (
        "enterprises.csv",
        4,
        "credit_code",
    )
    assert "length" in error.reason
    assert not (folder / "quarantine").exists()


def test_strict_loads_a_clean_folder(folder: Path, store: EmbeddedStore) -> None:
    clean = folder.parent / "clean"
    _write_csv(clean / "persons.csv", [["姓名", "身份证号码"], ["张三", P1]])
    report = load_folder(clean, store, strict=True)
    assert _summary(report) == [("persons.csv", 1, 1, 0)]


def test_single_file(folder: Path, store: EmbeddedStore) -> None:
    report = load_folder(folder / "persons.csv", store)
    assert _summary(report) == [("persons.csv", 4, 3, 1)]
    assert (folder / "quarantine" / "persons.quarantine.csv").exists()


def test_bad_arguments(folder: Path, store: EmbeddedStore) -> None:
    with pytest.raises(FileNotFoundError):
        load_folder(folder / "missing", store)
    with pytest.raises(ValueError, match="quarantine"):
        load_folder(folder, store, quarantine_dir=folder)
    with pytest.raises(ValueError, match="batch_size"):
        load_folder(folder, store, batch_size=0)


def test_xlsx_input(tmp_path: Path, store: EmbeddedStore) -> None:
    root = tmp_path / "xl"
    root.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "身份证号码", "统一社会信用代码", "职务", "任职日期"])
    sheet.append(["张三", P1, C1, "执行董事", date(2015, 1, 2)])
    sheet.append(["李四", P2, C1, "董事", "2016-02-30"])
    book.save(root / "roles.xlsx")
    report = load_folder(root, store)
    assert _summary(report) == [("roles.xlsx", 2, 1, 1)]
    (role,) = store.neighbours(EntityKind.PERSON, P1)
    assert (role.role, role.since) == (RoleType.DIRECTOR, date(2015, 1, 2))


# ---------------------------------------------------------------------- quarantine


def _read_quarantine(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_quarantine_files(folder: Path, store: EmbeddedStore) -> None:
    report = load_folder(folder, store)
    qdir = folder / "quarantine"
    assert report.quarantine_files == [
        qdir / f"{kind}.quarantine.csv"
        for kind in ("enterprises", "persons", "roles", "sanctions")
    ]
    with (qdir / "persons.quarantine.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[-len(META_COLUMNS) :] == list(META_COLUMNS)
    (row,) = _read_quarantine(qdir / "persons.quarantine.csv")
    assert row == {
        "name": "赵六",
        "id_number": P2,
        "birth_date": "1999-02-30",
        "sex": "",
        "_file": "persons.csv",
        "_line": "5",
        "_field": "birth_date",
        "_reason": "no such date '1999-02-30'",
        "_raw": f"赵六,{P2},1999-02-30,",
    }
    (row,) = _read_quarantine(qdir / "enterprises.quarantine.csv")
    assert row["统一社会信用代码"] == "NOT-A-CODE"
    assert row["企业名称"] == "坏数据公司"
    (row,) = _read_quarantine(qdir / "sanctions.quarantine.csv")
    assert (row["_field"], row["sanction_id"]) == ("subject_id", "S3")
    assert not list(qdir.glob(".*"))  # no spool left behind


def test_fixed_quarantine_loads_like_any_input(
    folder: Path, store: EmbeddedStore
) -> None:
    load_folder(folder, store)
    qdir = folder / "quarantine"
    fixes = {
        "persons": ("birth_date", "1975-01-02"),
        "enterprises": ("统一社会信用代码", make_uscc("91", "510100", "99990000")),
        "roles": ("role", "董事"),
        "sanctions": ("subject_id", P2),
    }
    for kind, (column, value) in fixes.items():
        path = qdir / f"{kind}.quarantine.csv"
        rows = _read_quarantine(path)
        for row in rows:
            row[column] = value
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    before = store.counts()
    report = load_folder(qdir, store, strict=True)
    assert [(f.read, f.loaded) for f in report.files] == [(1, 1)] * 4
    after = store.counts()
    assert after.enterprises == before.enterprises + 1
    assert after.roles == before.roles + 1
    assert after.sanctions == before.sanctions + 1
    # The fixed person row keeps the key it would have had in the original file.
    record = store.get_source_record("persons.csv", "5")
    assert record is not None
    assert record.entity_key == P2
    assert "_reason" not in record.raw_dict()


def test_each_load_replaces_the_quarantine(folder: Path, store: EmbeddedStore) -> None:
    load_folder(folder, store)
    persons_q = folder / "quarantine" / "persons.quarantine.csv"
    assert persons_q.exists()
    _write_csv(folder / "persons.csv", [["name", "id_number"], ["张三", P1]])
    report = load_folder(folder, store)
    assert not persons_q.exists()
    assert persons_q not in report.quarantine_files


def test_custom_quarantine_folder(
    folder: Path, store: EmbeddedStore, tmp_path: Path
) -> None:
    qdir = tmp_path / "elsewhere"
    report = load_folder(folder, store, quarantine_dir=qdir)
    assert {p.parent for p in report.quarantine_files} == {qdir}
    assert not (folder / "quarantine").exists()


# ---------------------------------------------------------------------------- stubs


def test_stub_never_overwrites_a_loaded_enterprise(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    _write_csv(
        tmp_path / "a" / "enterprises.csv",
        [["credit_code", "name", "status"], [C1, "真名有限公司", "存续"]],
    )
    _write_csv(
        tmp_path / "b" / "roles.csv",
        [
            ["name", "id_number", "credit_code", "enterprise_name", "role"],
            ["张三", P1, C1, "别名公司", "董事"],
            ["李四", P2, C1_BAD_CHECK, "别名公司", "股东"],
        ],
    )
    load_folder(tmp_path / "a", store)
    load_folder(tmp_path / "b", store)
    enterprise = store.get_enterprise(C1)
    assert enterprise is not None
    assert (enterprise.name, enterprise.status) == ("真名有限公司", "存续")
    stub = store.get_enterprise(C1_BAD_CHECK)
    assert stub is not None
    assert (stub.name, stub.conforming) == ("别名公司", False)


def test_sanction_subject_stubs(tmp_path: Path, store: EmbeddedStore) -> None:
    _write_csv(
        tmp_path / "s" / "sanctions.csv",
        [
            [
                "主体类型",
                "主体名称",
                "统一社会信用代码",
                "身份证号码",
                "失信类型",
                "决定日期",
            ],
            ["企业", "某公司", C3, "", "经营异常名录", "2022-01-01"],
            ["个人", "某人", "", P3, "失信被执行人", "2022-01-01"],
        ],
    )
    report = load_folder(tmp_path / "s", store)
    assert _summary(report) == [("sanctions.csv", 2, 2, 0)]
    enterprise = store.get_enterprise(C3)
    person = store.get_person(P3)
    assert enterprise is not None
    assert person is not None
    assert (enterprise.name, person.name) == ("某公司", "某人")
    assert person.birth_date == date(1990, 12, 31)


# ----------------------------------------------------------------------- resumption


class _Killed(Exception):  # noqa: N818 -- stands for a killed process, not an error
    pass


@dataclass
class _DyingStore:
    """Passes writes to ``inner`` and dies before write number ``calls_left + 1``."""

    inner: GraphStore
    calls_left: int

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not name.startswith("upsert_"):
            return attr

        def write(items: Sequence[Any]) -> None:
            if self.calls_left == 0:
                raise _Killed
            self.calls_left -= 1
            attr(items)

        return write


def _snapshot(store: GraphStore) -> tuple[object, ...]:
    people = [store.get_person(p) for p in (P1, P2, P3)]
    firms = [store.get_enterprise(c) for c in (C1, C2, C3)]
    roles = [store.neighbours(EntityKind.PERSON, p) for p in (P1, P2, P3)]
    sanctions = store.sanctions_against(EntityKind.PERSON, P1)
    return (store.counts(), people, firms, roles, sanctions)


@pytest.mark.parametrize("batch_size", [1, 4, 5000])
def test_a_load_killed_at_any_write_completes_when_run_again(
    folder: Path, tmp_path: Path, batch_size: int
) -> None:
    clean = EmbeddedStore(tmp_path / "clean.db")
    counting = _DyingStore(clean, calls_left=10**9)
    load_folder(folder, counting, batch_size=batch_size)
    writes = 10**9 - counting.calls_left
    expected = _snapshot(clean)
    clean.close()
    assert writes >= 4
    for kill_at in range(writes):
        killed = EmbeddedStore(tmp_path / f"killed{kill_at}.db")
        try:
            dying = _DyingStore(killed, calls_left=kill_at)
            with pytest.raises(_Killed):
                load_folder(folder, dying, batch_size=batch_size)
            load_folder(folder, killed, batch_size=batch_size)
            assert _snapshot(killed) == expected, kill_at
        finally:
            killed.close()


# --------------------------------------------------------------- awkward corpus


@dataclass(frozen=True)
class _Corpus:
    root: Path
    expected: dict[str, tuple[int, int, int]]  # name -> (read, loaded, quarantined)


@pytest.fixture
def corpus(tmp_path: Path) -> _Corpus:
    """Awkward files: encodings, BOMs, line endings, broken rows, huge lines."""
    root = tmp_path / "corpus"
    root.mkdir()
    expected: dict[str, tuple[int, int, int]] = {}

    def put(name: str, data: bytes, counts: tuple[int, int, int]) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = counts

    ent_header = "统一社会信用代码,企业名称,登记状态,成立日期\r\n"
    put(
        "enterprises.csv",
        (
            ent_header
            + f"{C1},成都示例科技有限公司,存续,2010-05-01\r\n"
            + f"{C1_BAD_CHECK},试点公司,存续,2001-01-01\r\n"  # non-conforming
            + f"{_full_width(C2)},全角公司,存续,\r\n"
            + "garbage,坏公司,存续,\r\n"
            + f"{C3},不存在日期公司,存续,1999-02-30\r\n"
        ).encode("utf-8-sig"),
        (5, 3, 2),
    )
    put(
        "gbk/enterprises.csv",
        (ent_header + f"{C3},国标编码公司,在业,2020年1月2日\r\n").encode("gbk"),
        (1, 1, 0),
    )
    put("broken/enterprises.xlsx", b"PK\x03\x04truncated", (1, 0, 1))
    person_lines = [
        "姓名,身份证号码,出生日期,性别",
        f"张三,{P1},1980-05-06,男",
        f"全角,{_full_width(P2)},,",
        f"校验错,{_bad_check(P3)},,",  # loaded, unresolved
        f"坏日期,{P3},1999-02-30,",
        f"多列,{P3},,,多余",
        f"缺列,{P3}",
        ",,,",  # blank cells: not a data row
        "截断,5101041990",  # truncated: a row of two values
    ]
    put(
        "persons.csv",
        "\n".join(person_lines).encode(),  # no final newline
        (7, 3, 4),
    )
    put(
        "mixed/persons.csv",
        "姓名,身份证号码\n".encode()
        + f"张三,{P1}\n".encode()
        + f"李四,{P2}\n".encode("gbk")
        + b"\xff\xfe\xfd,1\n"
        + f"王五,{P3}\n".encode("gb18030"),
        (4, 3, 1),
    )
    put(
        "utf16/persons.csv",
        f"姓名\t身份证号码\r\n张三\t{P1}\r\n李四\t{P2[:10]}\r\n".encode("utf-16"),
        (2, 2, 0),
    )
    put("empty/persons.csv", b"", (0, 0, 0))
    put("bom-only/persons.csv", b"\xef\xbb\xbf", (0, 0, 0))
    put(
        "header-only/roles.csv",
        "姓名,身份证号码,统一社会信用代码,职务\r\n".encode(),
        (0, 0, 0),
    )
    twenty_mb = 20 * 1024 * 1024
    assert twenty_mb > MAX_ROW_BYTES
    put("huge/sanctions.csv", b"x" * twenty_mb, (1, 0, 1))
    put(
        "huge/roles.csv",
        "姓名,身份证号码,统一社会信用代码,职务\n".encode()
        + b"y" * twenty_mb
        + f"\n张三,{P1},{C1},董事\n".encode(),
        (2, 1, 1),
    )
    role_lines = [
        "person_name,person_id_number,credit_code,role,since,until",
        f"张三,{P1},{C1},董事长,2015-01-01,2014-01-01",  # until < since
        f"李四,{P2},{C3},总经理,2015-01-01,",
        f"王五,{_bad_check(P3)},{C1},监事,,",  # loaded, unresolved
        f"赵六,{P3},{C1},保安,,",
        f'"unclosed,{P3},{C1},董事,,',  # runs to the end of the file
        f"钱七,{P3},{C1},董事,,",
    ]
    put("roles.csv", "\r\n".join(role_lines).encode(), (5, 2, 3))
    sanctions = [
        [
            "主体类型",
            "统一社会信用代码",
            "身份证号码",
            "失信类型",
            "决定机关",
            "决定日期",
        ],
        ["企业", C1, "", "严重违法失信名单", "市监局", "2023-06-01"],
        ["个人", "", P1, "失信被执行人", "法院", "2023年6月1日"],
        ["个人", "", _bad_check(P2), "失信被执行人", "法院", "2023-06-01"],
        ["企业", C1, "", "未知名单", "市监局", "2023-06-01"],
        ["企业", C1, "", "行政处罚", "市监局", "1999-02-30"],
    ]
    out = json.dumps  # a JSON Lines twin of the sanctions, one line not JSON
    put(
        "sanctions.csv",
        "\r\n".join(",".join(r) for r in sanctions).encode("gb18030"),
        (5, 2, 3),
    )
    jsonl = [
        out(dict(zip(sanctions[0], r, strict=True)), ensure_ascii=False)
        for r in sanctions[1:]
    ]
    put(
        "json/sanctions.jsonl",
        ("\n".join([*jsonl, "{broken", "", "[]"]) + "\n").encode(),
        (7, 2, 5),
    )
    return _Corpus(root, expected)


def test_awkward_corpus_loads_without_crashing(
    corpus: _Corpus, store: EmbeddedStore
) -> None:
    report = load_folder(corpus.root, store)
    got = {
        f.path.relative_to(corpus.root).as_posix(): (f.read, f.loaded, f.quarantined)
        for f in report.files
    }
    assert got == corpus.expected
    for file in report.files:
        assert file.read == file.loaded + file.quarantined
    quarantined = sum(len(_read_quarantine(p)) for p in report.quarantine_files)
    assert quarantined == report.quarantined
    # Second run: same report, same store.
    counts = store.counts()
    again = load_folder(corpus.root, store)
    assert _summary(again) == _summary(report)
    assert store.counts() == counts


def test_awkward_corpus_in_strict_mode_stops_at_the_first_bad_row(
    corpus: _Corpus, store: EmbeddedStore
) -> None:
    with pytest.raises(InvalidRecordError) as info:
        load_folder(corpus.root, store, strict=True)
    # Files load in path order within a kind; an unreadable workbook is "line 0".
    assert (info.value.source, info.value.line) == ("broken/enterprises.xlsx", 0)


# ------------------------------------------------------------------------ property

_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", P1, _bad_check(P2), C1, "董事", "2020-02-30", '"', "\r"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["persons", "roles"]),
    rows=st.lists(st.lists(_CELL, max_size=6), max_size=8),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
)
def test_every_row_is_loaded_or_quarantined(
    kind: str, rows: list[list[str]], encoding: str
) -> None:
    header = (
        ["name", "id_number", "sex"]
        if kind == "persons"
        else ["name", "id_number", "credit_code", "role", "since"]
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        _write_csv(root / f"{kind}.csv", [header, *rows], encoding=encoding)
        db = EmbeddedStore(Path(tmp) / "x.db")
        try:
            report = load_folder(root, db)
        finally:
            db.close()
    (file,) = report.files
    assert file.read == file.loaded + file.quarantined
    assert file.read <= len(rows)
