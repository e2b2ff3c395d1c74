"""Benchmark of search (``graph.search.search``) on a large registry, both stores.

Two ways to get a registry:

- ``--store PATH``: an embedded store loaded elsewhere from the generated registry
  (``loaders.generator`` through ``credlink load``, such as the 1M store that
  ``bench/export.py`` builds). It is copied with SQLite's backup API (a consistent
  snapshot, even of a store another process is still writing; PATH is only read).
  With ``--neo4j-home HOME`` Neo4j searches the same persons and enterprises: when
  HOME holds no database yet, they are written to import files with the bulk
  path's headers (``loaders.bulk``: the ``search_keys`` column filed as
  ``credlink bulk-import`` files it) and imported with ``neo4j-admin``; a HOME
  imported once is reused. Search reads persons, enterprises and their keys only,
  so roles are not imported.
- otherwise a registry drawn here: persons with realistic names
  (``loaders.generator.names``: surnames by population share, given names by sex
  and era, so namesakes recur) and enterprises named city + trade name + industry
  + form, written through each store's own upserts (slow beyond 100k persons).

Times ``search`` in this process for four kinds of query, drawn from the registry:

- **name**: a person's name in characters (traditional for every other sample);
- **pinyin**: the name in toneless pinyin with a space after the surname;
- **ID**: a resident ID number (every other one in its 15-digit form when it has
  one, else lower case);
- **company**: part of an enterprise name (its trade name and industry).

Prints p50 and p99 (ms) per query kind and store, the mean number of hits, and
the p99 against the goal (50 ms). Same-run baseline: the store's own
``get_person`` by key, timed on the same samples.

Run at 1M: ``nice .venv/bin/python bench/search.py --store
/tmp/bx-1m/store-1000000-300000-1.db --neo4j-home /tmp/bench-search-neo4j``;
``--persons 100000 --enterprises 30000`` (no ``--store``) for a quick look;
``--stores embedded`` for one store.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402
from pypinyin import lazy_pinyin  # noqa: E402

from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.errors import InvalidIdentifierError  # noqa: E402
from graph.model import Counts, Enterprise, Person, Sex  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from graph.search import search  # noqa: E402
from linkage.ids import (  # noqa: E402
    downgrade_to_15,
    make_uscc,
    normalize_resident_id,
    resident_id_check_char,
)
from linkage.search_keys import compact_name, enterprise_keys, person_keys  # noqa: E402
from linkage.search_rank import HitKind  # noqa: E402
from loaders.bulk import (  # noqa: E402
    ARRAY_DELIMITER,
    ENTERPRISE_HEADER,
    PERSON_HEADER,
    ImportFiles,
    csv_line,
    csv_optional,
    csv_text,
    run_import,
    search_keys_cell,
)
from loaders.generator.names import NameMaker, to_traditional  # noqa: E402
from loaders.pipeline import LoadReport  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph.store import GraphStore

GOAL_MS = 50.0
_BATCH = 10_000
_REGIONS = ("110105", "310104", "440106", "510104", "330106", "420102")
_CITIES = ("北京", "上海", "广州", "成都", "杭州", "武汉", "重庆", "西安", "南京",
           "天津", "苏州", "长沙", "郑州", "青岛", "沈阳", "昆明")  # fmt: skip
_TRADE = "华夏长江锦天府新星蓝海宏达东方恒通金鼎瑞丰德盛永安兴隆鸿运博远智汇创联信诚"
_INDUSTRY = ("科技", "建设", "贸易", "物流", "餐饮", "置业", "医药", "电子", "文化",
             "传媒", "能源", "机械", "食品", "服饰", "环保")  # fmt: skip
_FORM = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
KINDS = ("name", "pinyin", "ID", "company")
_BASELINE = "get_persons (baseline)"


def _person_id(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n % 18_000)
    region = _REGIONS[(n // 18_000) % len(_REGIONS)]
    body = f"{region}{born:%Y%m%d}{n // (18_000 * len(_REGIONS)):03d}"
    return body + resident_id_check_char(body)


def _persons(count: int, seed: int) -> list[Person]:
    rng, maker = random.Random(seed), NameMaker()
    sexes = list(Sex)
    return [
        Person(
            _person_id(n),
            maker.make(rng, rng.choice(sexes), 1950 + n % 18_000 // 366),
        )
        for n in range(count)
    ]


def _enterprises(count: int, seed: int) -> list[Enterprise]:
    rng = random.Random(seed + 1)
    return [
        Enterprise(
            make_uscc("91", _REGIONS[n % len(_REGIONS)], f"{n:08d}"),
            rng.choice(_CITIES)
            + "".join(rng.sample(_TRADE, 2))
            + rng.choice(_INDUSTRY)
            + rng.choice(_FORM),
        )
        for n in range(count)
    ]


def _fill(store: GraphStore, persons: list[Person], firms: list[Enterprise]) -> None:
    for start in range(0, len(persons), _BATCH):
        store.upsert_persons(persons[start : start + _BATCH])
    for start in range(0, len(firms), _BATCH):
        store.upsert_enterprises(firms[start : start + _BATCH])


def _queries(
    persons: list[Person], firms: list[Enterprise], samples: int, seed: int
) -> dict[str, list[str]]:
    rng = random.Random(seed + 2)
    chosen = rng.sample(persons, samples)
    names = [
        (to_traditional(p.name) or p.name) if i % 2 else p.name
        for i, p in enumerate(chosen)
    ]
    pinyin = [
        " ".join([syllables[0], "".join(syllables[1:])])
        for syllables in (lazy_pinyin(p.name) for p in chosen)
    ]
    ids: list[str] = []
    for i, p in enumerate(chosen):
        try:  # only mainland numbers of the 1900s have a 15-digit form
            short = downgrade_to_15(p.person_id) if p.person_id[6:8] == "19" else ""
        except InvalidIdentifierError:
            short = ""
        ids.append(short if i % 2 and short else p.person_id.lower())
    # the trade name and industry when the city has two characters
    companies = [compact_name(f.name)[2:6] for f in rng.sample(firms, samples)]
    return dict(zip(KINDS, (names, pinyin, ids, companies), strict=True))


def _copy_store(source: Path, target: Path) -> None:
    """A consistent copy of the embedded store at ``source`` (only read)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _registry_of(db: Path) -> tuple[list[Person], list[Enterprise]]:
    """The persons (with an ID number) and enterprises of an embedded store, by
    key: what the queries are drawn from."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        persons = [
            Person(key, name)
            for key, name in conn.execute(
                "SELECT person_id, name FROM persons "
                "WHERE person_id NOT LIKE 'U%' AND name <> '' ORDER BY person_id"
            )
        ]
        firms = [
            Enterprise(code, name)
            for code, name in conn.execute(
                "SELECT credit_code, name FROM enterprises WHERE name <> '' "
                "ORDER BY credit_code"
            )
        ]
    finally:
        conn.close()
    return persons, firms


def _write_nodes(db: Path, folder: Path) -> ImportFiles:
    """persons.csv and enterprises.csv of the store at ``db``, as the bulk path
    writes them (``loaders.bulk`` headers, search keys included)."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    people, firms = folder / "persons.csv", folder / "enterprises.csv"
    persons = enterprises = 0
    try:
        with people.open("w", encoding="utf-8", newline="") as out:
            out.write(",".join(PERSON_HEADER) + "\n")
            rows = conn.execute(
                "SELECT person_id, name, birth_date, sex, aliases FROM persons"
            )
            for key, name, born, sex, aliases_json in rows:
                aliases = sorted(json.loads(aliases_json))
                out.write(
                    csv_line(
                        csv_text(key), csv_text(name), born or "", csv_optional(sex),
                        csv_text(ARRAY_DELIMITER.join(aliases)) if aliases else "",
                        search_keys_cell(person_keys(key, [name, *aliases])),
                    )
                )  # fmt: skip
                persons += 1
        with firms.open("w", encoding="utf-8", newline="") as out:
            out.write(",".join(ENTERPRISE_HEADER) + "\n")
            rows = conn.execute(
                "SELECT credit_code, name, status, founded_on, conforming, org_code, "
                "registration_no FROM enterprises"
            )
            for code, name, status, founded, conforming, org, reg in rows:
                out.write(
                    csv_line(
                        csv_text(code), csv_text(name), csv_optional(status),
                        founded or "", "true" if conforming else "false",
                        csv_optional(org), csv_optional(reg),
                        search_keys_cell(enterprise_keys(name)),
                    )
                )  # fmt: skip
                enterprises += 1
    finally:
        conn.close()
    return ImportFiles(
        directory=folder,
        nodes=(("Person", people), ("Enterprise", firms)),
        relationships=(),
        multiline=False,
        counts=Counts(persons, enterprises, 0, 0, 0),
        report=LoadReport(),
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _measure(
    label: str, store: GraphStore, queries: dict[str, list[str]]
) -> list[tuple[str, str, float, float, float]]:
    """p50, p99 and mean hits per query kind. The kinds take turns (sample i of
    each kind, then sample i + 1), so a burst of load on the shared machine falls
    on every kind alike; the baseline takes its turn with them."""
    everything = frozenset(HitKind)
    for texts in queries.values():
        for text in texts[:20]:  # warm caches and plans; not a latency
            search(store, text, everything)
    keys = [normalize_resident_id(text) for text in queries["ID"]]
    times: dict[str, list[float]] = {kind: [] for kind in (*queries, _BASELINE)}
    hits = dict.fromkeys(queries, 0)
    for i in range(len(keys)):
        for kind, texts in queries.items():
            started = time.perf_counter()
            found = search(store, texts[i], everything)
            times[kind].append((time.perf_counter() - started) * 1000)
            hits[kind] += len(found)
        times[_BASELINE].append(_timed(lambda k=keys[i]: store.get_persons([k])))
    return [
        (
            label,
            kind,
            statistics.median(spent),
            _percentile(spent, 0.99),
            hits.get(kind, len(spent)) / len(spent),
        )
        for kind, spent in times.items()
    ]


def _neo4j_rows(
    home: Path | None,
    db: Path | None,
    persons: list[Person],
    firms: list[Enterprise],
    queries: dict[str, list[str]],
    args: argparse.Namespace,
) -> list[tuple[str, str, float, float, float]]:
    """Search timed on Neo4j: the server of ``home`` (imported from ``db`` when
    it holds no database yet), or a throwaway one filled through the upserts."""
    throwaway = home is None
    home = home or Path(tempfile.mkdtemp(prefix="credlink-bench-search-neo4j-"))
    if db is not None and not (home / "data" / "databases" / "neo4j").exists():
        home.mkdir(parents=True, exist_ok=True)
        neo4j_launcher.stop(home)
        started = time.perf_counter()
        files = _write_nodes(db, home / "import" / "search")
        written = time.perf_counter() - started
        run_import(files, home, neo4j_launcher.admin, heap=args.heap)
        shutil.rmtree(files.directory, ignore_errors=True)
        print(
            f"neo4j: {files.counts.persons:,} persons and "
            f"{files.counts.enterprises:,} enterprises written in {written:.0f} s, "
            f"imported in {time.perf_counter() - started - written:.0f} s"
        )
    info = neo4j_launcher.start(
        home, auth=False, heap=args.heap, pagecache=args.pagecache,
        stop_with=os.getpid(),
    )  # fmt: skip
    try:
        driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
        started = time.perf_counter()
        store = Neo4jStore(driver)  # creates the schema and waits for its indexes
        print(
            f"neo4j: schema and indexes ready in {time.perf_counter() - started:.0f} s"
        )
        if db is None:
            started = time.perf_counter()
            _fill(store, persons, firms)
            print(f"neo4j: written in {time.perf_counter() - started:.0f} s")
        rows = _measure("neo4j", store, queries)
        driver.close()
    finally:
        neo4j_launcher.stop(home)
        if throwaway:
            shutil.rmtree(home, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every p99 meets the goal, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="an embedded store to copy")
    parser.add_argument("--neo4j-home", type=Path, help="a Neo4j home (with --store)")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    args = parser.parse_args(argv)
    if args.neo4j_home is not None and args.store is None:
        parser.error("--neo4j-home needs --store (the registry it is imported from)")
    work = Path(tempfile.mkdtemp(prefix="credlink-bench-search-"))
    try:
        return _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    """The benchmark of ``main`` with its work folder."""
    stores = set(args.stores.split(","))
    started = time.perf_counter()
    db: Path | None = None
    if args.store is not None:
        db = work / "bench.db"
        _copy_store(args.store, db)
        persons, firms = _registry_of(db)
        origin = f"copied from {args.store}"
    else:
        persons = _persons(args.persons, args.seed)
        firms = _enterprises(args.enterprises, args.seed)
        origin = "drawn"
    queries = _queries(persons, firms, args.samples, args.seed)
    print(
        f"registry: {len(persons):,} persons with an ID number, {len(firms):,} "
        f"enterprises, {origin} in {time.perf_counter() - started:.0f} s; "
        f"load: {os.getloadavg()[0]:.1f}"
    )
    rows: list[tuple[str, str, float, float, float]] = []
    if "embedded" in stores:
        store = EmbeddedStore(db or work / "bench.db")
        if db is None:
            started = time.perf_counter()
            _fill(store, persons, firms)
            print(f"embedded: written in {time.perf_counter() - started:.0f} s")
        else:
            print(f"embedded: {store.counts()}")
        rows += _measure("embedded", store, queries)
        store.close()
    if "neo4j" in stores:
        rows += _neo4j_rows(args.neo4j_home, db, persons, firms, queries, args)
    print(f"\nload average after the run: {os.getloadavg()[0]:.1f}")
    print("| store | query | p50 ms | p99 ms | hits (mean) | p99 <= 50 ms |")
    print("|---|---|---|---|---|---|")
    met = True
    for label, kind, p50, p99, hits in rows:
        ok = p99 <= GOAL_MS or kind.startswith("get_persons")
        met = met and ok
        print(
            f"| {label} | {kind} | {p50:.1f} | {p99:.1f} | {hits:.1f} | "
            f"{'met' if ok else 'MISSED'} |"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
