"""The bulk path gives the graph an online load gives, read back identically.

A registry is bulk-imported with ``neo4j-admin`` into a throwaway launcher server
(its own HOME, stopped at the end) and compared with an online load of the same
folder into an ``EmbeddedStore``: counts, the content checksum, and a sample of
answers. Two folders: a generated registry, and a small hand-written one full of
what a CSV writer can get wrong (quotes, commas, line breaks, empty strings,
absent values, keys written twice, stubs, enterprises named by legacy identifiers).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
import neo4j_launcher
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.console import app
from graph.embedded_store import EmbeddedStore
from graph.errors import GraphUnavailableError, InvalidRecordError
from graph.model import Enterprise, EntityKind, Person, Sex
from graph.neo4j_store import Neo4jStore
from loaders.bulk import (
    RegistryKeys,
    _ImportSink,
    bulk_import,
    content_checksum,
    registry_keys,
    write_import_files,
)
from loaders.generator import generate
from loaders.pipeline import load_folder
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graph.store import GraphStore

SEED = 7
IDS = {f"ID{n}": resident_id(100 + n) for n in range(1, 6)}
CODES = {f"C{n}": credit_code(200 + n) for n in range(1, 4)}
# C1's organisation code as printed, and a registration number C2 states
LEGACY = {"O1": f"{CODES['C1'][8:16]}-{CODES['C1'][16]}", "R2": "510100000000001"}

# Every line is a case: see the module docstring. ID1..ID5 and C1..C3 stand for
# valid synthetic numbers.
TRICKY = {
    "persons.csv": """\
        source,record_id,name,id_number,birth_date,sex
        s1,1,张伟,ID1,,
        s1,2,張偉,ID1,,男
        s1,3,,ID2,,
        s1,4,"王, ""芳""
        二",ID2,,
        s1,1,李娜,ID3,,
        s2,5,刘洋,5101041970010100XX,,
        """,
    "enterprises.csv": """\
        credit_code,name,status,founded_on,registration_no
        C1,甲公司,存续,2010-01-01,
        C1,,,,
        C2,"乙""公司",,,R2
        """,
    "roles.csv": """\
        source,record_id,person_id_number,person_name,credit_code,role,since,until
        r,1,ID1,张伟,C1,董事长兼总经理,2015-01-01,
        r,2,ID1,张伟,C1,director,2015-01-01,2020-01-01
        r,3,ID4,赵六,C3,监事,,
        r,4,ID1,张伟,O1,监事,2016-01-01,
        r,5,ID2,,R2,董事,,
        r,6,ID3,李娜,D2143569-X,董事,,
        """,
    "sanctions.csv": """\
        sanction_id,subject_kind,subject_id,type,authority,decision_no,violation_date,decided_on,display_until
        S1,enterprise,C1,行政处罚,某局,〔2020〕1号,,2020-05-01,
        S1,enterprise,C2,行政处罚,某局,〔2020〕1号,,2020-06-01,
        S2,person,ID5,失信被执行人,"",,,2021-01-01,
        ,enterprise,O1,行政处罚,某局,〔2020〕2号,,2020-07-01,
        """,
}


def _write_tricky(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, text in TRICKY.items():
        body = textwrap.dedent(text)
        for token, value in {**IDS, **CODES, **LEGACY}.items():
            # a whole cell: between commas or line ends
            body = re.sub(rf"(?<![^,\n]){token}(?![^,\n])", value, body)
        (folder / name).write_text(body, encoding="utf-8")


def _registry(kind: str, folder: Path) -> Path:
    if kind == "tricky":
        _write_tricky(folder)
    else:
        generate(folder, persons=800, enterprises=200, seed=SEED)
    return folder


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One folder, bulk-imported into Neo4j and loaded online into SQLite."""

    folder: Path
    home: Path
    keys: RegistryKeys
    bulk: Neo4jStore
    online: EmbeddedStore


@pytest.fixture(scope="module", params=["generated", "tricky"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Loaded]:
    """Bulk import into a throwaway server (stopped afterwards) and online load."""
    base = tmp_path_factory.mktemp(f"bulk-{request.param}")
    folder = _registry(request.param, base / "registry")
    home = base / "home"
    report = bulk_import(
        folder,
        home,
        neo4j_launcher,
        auth=False,
        heap="512m",
        pagecache="128m",
        import_heap="512m",
        max_off_heap="512m",
        threads=2,
        quarantine_dir=base / "quarantine-bulk",
    )
    try:
        online = EmbeddedStore(base / "online.db")
        load_folder(folder, online, quarantine_dir=base / "quarantine-online")
        with neo4j.GraphDatabase.driver(report.server.uri) as driver:
            bulk = Neo4jStore(driver)  # applies the schema
            assert report.files.counts == bulk.counts()
            yield _Loaded(folder, home, registry_keys(folder), bulk, online)
        online.close()
    finally:
        pid = report.server.pid
        assert neo4j_launcher.stop(home)
    assert neo4j_launcher.status(home) is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # no server process is left behind


@pytest.mark.neo4j
@pytest.mark.slow
def test_bulk_import_reads_back_as_the_online_load(loaded: _Loaded) -> None:
    assert loaded.bulk.counts() == loaded.online.counts()
    assert loaded.bulk.counts().roles > 0
    assert content_checksum(loaded.bulk, loaded.keys) == content_checksum(
        loaded.online, loaded.keys
    )


def _about_person(store: GraphStore, person_id: str) -> tuple[object, ...]:
    return (
        store.get_person(person_id),
        store.neighbours(EntityKind.PERSON, person_id),
        store.sanctions_against(EntityKind.PERSON, person_id),
        store.source_records_of(EntityKind.PERSON, person_id),
    )


def _about_enterprise(store: GraphStore, code: str) -> tuple[object, ...]:
    return (
        store.get_enterprise(code),
        store.neighbours(EntityKind.ENTERPRISE, code),
        store.sanctions_against(EntityKind.ENTERPRISE, code),
    )


@pytest.mark.neo4j
@pytest.mark.slow
def test_sampled_answers_agree(loaded: _Loaded) -> None:
    rng = random.Random(SEED)
    persons = rng.sample(loaded.keys.persons, min(20, len(loaded.keys.persons)))
    codes = rng.sample(loaded.keys.enterprises, min(10, len(loaded.keys.enterprises)))
    for person_id in persons:
        answer = _about_person(loaded.bulk, person_id)
        assert answer == _about_person(loaded.online, person_id)
        assert answer[0] is not None
    for code in codes:
        answer_e = _about_enterprise(loaded.bulk, code)
        assert answer_e == _about_enterprise(loaded.online, code)
        assert answer_e[0] is not None
    assert loaded.bulk.pending_sanctions() == loaded.online.pending_sanctions()


@pytest.mark.neo4j
@pytest.mark.slow
def test_online_writes_continue_on_a_bulk_graph(loaded: _Loaded) -> None:
    """A person imported without aliases takes new names online as usual."""
    person_id = next(
        key
        for key in loaded.keys.persons
        if (p := loaded.online.get_person(key)) is not None and not p.aliases
    )
    # Both stores take the same write, so they still agree for later tests.
    for store in (loaded.bulk, loaded.online):
        store.upsert_persons([Person(person_id, "新名字")])
    after = loaded.bulk.get_person(person_id)
    assert after == loaded.online.get_person(person_id)
    assert after is not None
    assert after.aliases == ("新名字",)


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_running_server_or_an_existing_database_is_refused(
    loaded: _Loaded, tmp_path: Path
) -> None:
    with pytest.raises(GraphUnavailableError, match="running"):
        bulk_import(loaded.folder, loaded.home, neo4j_launcher, auth=False)
    stopped = tmp_path / "home"
    (stopped / "data" / "databases" / "neo4j").mkdir(parents=True)
    with pytest.raises(GraphUnavailableError, match="already has"):
        bulk_import(loaded.folder, stopped, neo4j_launcher, auth=False)
    assert not (stopped / "import" / "bulk").exists()


def test_import_files_keep_the_last_write_of_each_key(tmp_path: Path) -> None:
    folder = _registry("tricky", tmp_path / "registry")
    files = write_import_files(
        folder, tmp_path / "out", quarantine_dir=tmp_path / "q", batch_size=2
    )
    online = EmbeddedStore(tmp_path / "online.db")
    try:
        load_folder(folder, online, quarantine_dir=tmp_path / "q2", batch_size=2)
        assert files.counts == online.counts()
    finally:
        online.close()
    assert files.multiline  # a name holds a line break

    def rows(name: str) -> list[dict[str, str]]:
        with (files.directory / name).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    records = {r["key:ID(SourceRecord)"]: r for r in rows("source_records.csv")}
    assert len(records) == len(rows("source_records.csv"))
    assert records["s1#1"]["entity_key"] == IDS["ID3"]  # written twice: the last
    roles = {r["role_id"]: r for r in rows("roles.csv")}
    assert len(roles) == len(rows("roles.csv")) == 5
    director = f"{IDS['ID1']}|{CODES['C1']}|director|2015-01-01"
    assert roles[director]["until:date"] == "2020-01-01"
    # named by organisation code and by registration number
    assert f"{IDS['ID1']}|{CODES['C1']}|supervisor|2016-01-01" in roles
    assert f"{IDS['ID2']}|{CODES['C2']}|director|" in roles
    sanctions = {r["sanction_id:ID(Sanction)"]: r for r in rows("sanctions.csv")}
    assert sanctions["S1"]["subject_id"] == CODES["C2"]
    by_org_code = f"administrative_penalty|〔2020〕2号|enterprise|{CODES['C1']}"
    assert sanctions[by_org_code]["subject_id"] == CODES["C1"]
    against = rows("against_enterprise.csv")
    assert [(r[":START_ID(Sanction)"], r[":END_ID(Enterprise)"]) for r in against] == [
        ("S1", CODES["C2"]),
        (by_org_code, CODES["C1"]),
    ]
    persons = {r["person_id:ID(Person)"]: r for r in rows("persons.csv")}
    assert persons[IDS["ID1"]]["aliases:string[]"] == "張偉"
    assert persons[IDS["ID2"]]["name"] == '王, "芳"\n二'
    assert persons[IDS["ID5"]]["name"] == ""  # a stub of a sanctioned person


def test_quoting_tells_an_empty_string_from_an_absent_value(tmp_path: Path) -> None:
    folder = _registry("tricky", tmp_path / "registry")
    files = write_import_files(folder, tmp_path / "out", quarantine_dir=tmp_path / "q")
    lines = (files.directory / "enterprises.csv").read_text("utf-8").splitlines()
    stub = next(line for line in lines if line.startswith(f'"{CODES["C3"]}"'))
    # name is an empty string; status and founded_on are absent
    assert stub.split(",")[1:4] == ['""', "", ""]


@pytest.mark.neo4j
@pytest.mark.slow
def test_cli_bulk_import_then_online_loads_change_nothing(tmp_path: Path) -> None:
    """``credlink bulk-import`` (auth on), then ``credlink load`` of the same folder."""
    import api.cli  # noqa: F401 - registers the commands on the app

    folder = _registry("tricky", tmp_path / "registry")
    home = tmp_path / "home"

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        result = CliRunner().invoke(app, [*args, "--json"], env=env or {})
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    try:
        imported = run("bulk-import", str(folder), "--home", str(home), "--heap",
                       "512m", "--pagecache", "128m", "--import-heap", "512m",
                       "--max-off-heap", "512m")  # fmt: skip
        server = neo4j_launcher.status(home)
        assert server is not None
        assert server.password  # auth is on by default
        assert imported["uri"] == server.uri
        env = {"NEO4J_USER": server.user, "NEO4J_PASSWORD": server.password}
        stats = run("--store", server.uri, "stats", env=env)
        assert stats["set_aside"] == []
        assert {k: v for k, v in stats.items() if k != "set_aside"} == imported[
            "counts"
        ]
        assert stats["roles"] == 5  # two of them named by legacy identifiers
        keys = registry_keys(folder)
        store = Neo4jStore.connect(
            server.uri, server.user, server.password, database=None
        )
        try:
            before = content_checksum(store, keys)
            run("--store", server.uri, "load", str(folder), env=env)
            assert run("--store", server.uri, "stats", env=env) == stats
            assert content_checksum(store, keys) == before
        finally:
            store.close()
    finally:
        neo4j_launcher.stop(home)
    assert neo4j_launcher.status(home) is None


def test_a_strict_failure_leaves_no_import_files(tmp_path: Path) -> None:
    folder = _registry("tricky", tmp_path / "registry")
    with (folder / "enterprises.csv").open("a", encoding="utf-8") as f:
        f.write("not-a-code,丙公司,,,\n")
    home = tmp_path / "home"
    with pytest.raises(InvalidRecordError, match="credit_code"):
        bulk_import(folder, home, neo4j_launcher, auth=False, strict=True)
    assert not (home / "import" / "bulk").exists()
    assert not (home / "data" / "databases" / "neo4j").exists()


_PEOPLE = [resident_id(n) for n in range(1, 4)]
_FIRMS = [credit_code(n) for n in range(1, 3)]
_NAMES = ["", "张伟", "張偉", "王芳"]
_DAYS = st.none() | st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 1, 1))
_persons = st.builds(
    Person,
    person_id=st.sampled_from(_PEOPLE),
    name=st.sampled_from(_NAMES),
    birth_date=_DAYS,
    sex=st.none() | st.sampled_from(Sex),
    aliases=st.lists(st.sampled_from(_NAMES), max_size=2).map(tuple),
)
_enterprises = st.builds(
    Enterprise,
    credit_code=st.sampled_from(_FIRMS),
    name=st.sampled_from(["", "甲公司", "乙公司"]),
    status=st.none() | st.sampled_from(["存续", "吊销"]),
    founded_on=_DAYS,
    conforming=st.booleans(),
    org_code=st.none() | st.just("D2143569X"),
    registration_no=st.none() | st.just("510100000000001"),
)


@settings(max_examples=150, deadline=None)
@given(
    batches=st.lists(
        st.tuples(st.lists(_persons, max_size=4), st.lists(_enterprises, max_size=3)),
        max_size=4,
    )
)
def test_the_sink_merges_as_the_stores_do(
    batches: list[tuple[list[Person], list[Enterprise]]],
) -> None:
    """Persons and enterprises, batch after batch: the import sink keeps what
    EmbeddedStore keeps (the differential tests hold Neo4jStore to the same)."""
    sink = _ImportSink(None)
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "s.db")
        try:
            for persons, enterprises in batches:
                for target in (sink, store):
                    target.upsert_persons(persons)
                    target.upsert_enterprises(enterprises)
            for key in _PEOPLE:
                assert sink.get_person(key) == store.get_person(key)
            for code in _FIRMS:
                assert sink.get_enterprise(code) == store.get_enterprise(code)
            assert sink.counts() == store.counts()
            legacy = ["D2143569X", "510100000000001", *(c[8:17] for c in _FIRMS)]
            assert sink.enterprises_by_legacy_id(
                legacy
            ) == store.enterprises_by_legacy_id(legacy)
        finally:
            store.close()
