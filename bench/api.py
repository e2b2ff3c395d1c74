"""Benchmark of the HTTP API against the same store calls made directly.

For each store (embedded and Neo4j), on a synthetic registry (the one
``bench/propagate.py`` draws: persons, enterprises with about 10 roles each over
realistic intervals, a busy 1 % holding many offices, sanctions of every type,
propagated), measures in the same run, per operation:

- **direct**: the store call a route makes (``get_person``; ``related_entities``;
  ``check_appointment``), in this process;
- **HTTP**: the route through a real ``credlink serve`` on 127.0.0.1 (one worker),
  authenticated by an API key, with its purpose checked, quotas counted and the
  audit entry written and fsynced before the answer (``POST /persons/lookup``,
  ``POST /persons/related``, ``POST /checks/appointment``), over one keep-alive
  connection.

Persons are drawn half from the busy 1 % (large neighbourhoods) and half from
everyone. Prints p50 and p99 (ms) of each, and HTTP p50 / direct p50. Goals:
HTTP ≤ 1.5× direct at p50, HTTP p99 ≤ 50 ms.

Run: ``.venv/bin/python bench/api.py`` (1M persons, 300k enterprises, 100k
sanctions; a long run, use nohup); ``--persons 100000 --enterprises 30000
--sanctions 10000`` for a quick look; ``--stores embedded`` for one store.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import httpx2  # noqa: E402
import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from api.access.apikeys import create_key  # noqa: E402
from api.access.roles import default_roles_path, parse_roles  # noqa: E402
from graph import enforcement  # noqa: E402
from graph.embedded_store import EmbeddedStore  # noqa: E402
from graph.exploration import related_entities  # noqa: E402
from graph.model import Enterprise, EntityKind, Person, Role, RoleType  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402
from graph.policy import load_catalogue  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from graph.store import GraphStore

ON = date(2025, 6, 1)
_BATCH = 20_000


def _registry() -> ModuleType:
    """bench/propagate.py, whose registry this benchmark shares."""
    spec = importlib.util.spec_from_file_location(
        "bench_propagate", _ROOT / "bench" / "propagate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fill_embedded(path: Path, reg: ModuleType, args: argparse.Namespace) -> None:
    """The registry through the store's own upserts (as loaders write it)."""
    rng = random.Random(args.seed)
    store = EmbeddedStore(path)
    try:
        people = [
            Person(
                person_id=reg._person_id(n),
                name=rng.choice(reg._SURNAMES) + rng.choice(reg._GIVEN),
            )
            for n in range(args.persons)
        ]
        for start in range(0, len(people), _BATCH):
            store.upsert_persons(people[start : start + _BATCH])
        del people
        firms = [
            Enterprise(credit_code=reg._credit_code(n), name=f"成都示例{n}有限公司")
            for n in range(args.enterprises)
        ]
        for start in range(0, len(firms), _BATCH):
            store.upsert_enterprises(firms[start : start + _BATCH])
        batch: list[Role] = []
        for row in reg._roles(rng, args.enterprises, args.persons):
            batch.append(
                Role(person_id=row["p"], credit_code=row["e"], role=RoleType(row["t"]),
                     since=row["s"], until=row["u"], source="bench",
                     record_id=row["id"])
            )  # fmt: skip
            if len(batch) == _BATCH:
                store.upsert_roles(batch)
                batch = []
        if batch:
            store.upsert_roles(batch)
        _sanctions(store, reg, rng, args)
    finally:
        store.close()


def _sanctions(
    store: GraphStore, reg: ModuleType, rng: random.Random, args: argparse.Namespace
) -> None:
    sanctions = list(
        reg._sanctions(rng, args.sanctions, args.enterprises, args.persons)
    )
    for start in range(0, len(sanctions), 5_000):
        store.upsert_sanctions(sanctions[start : start + 5_000])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _roomy_roles(folder: Path) -> Path:
    """The shipped roles with quotas no benchmark reaches."""
    text = default_roles_path().read_text(encoding="utf-8")
    for word in ("requests_per_minute", "persons_per_hour"):
        text = "\n".join(
            f"{word} = 100000000" if line.startswith(word) else line
            for line in text.splitlines()
        )
    path = folder / "roles.toml"
    path.write_text(text + "\n", encoding="utf-8")
    parse_roles(text, str(path))
    return path


def _serve(location: str, folder: Path, roles: Path, env: dict[str, str]) -> Any:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--store", location, "serve", "--port",
         str(port), "--roles", str(roles)],
        env={**env, "CREDLINK_AUDIT_LOG": str(folder / "audit.jsonl")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx2.get(f"{base}/health", timeout=5).status_code == 200:
                return server, base
        except httpx2.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not come up")
        time.sleep(0.5)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


_Call = "Callable[[int], object]"


def _timed(call: Callable[[int], object], i: int, times: list[float]) -> None:
    started = time.perf_counter()
    call(i)
    times.append((time.perf_counter() - started) * 1000)


def _measure(
    name: str, location: str, store: GraphStore, reg: ModuleType,
    args: argparse.Namespace, env: dict[str, str],
) -> list[tuple[str, str, float, float, float, float]]:  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix=f"credlink-bench-api-{name}-"))
    roles = _roomy_roles(folder)
    policy = parse_roles(roles.read_text(encoding="utf-8"), str(roles))
    investigator = create_key(store, policy, role="investigator", name="bench").key
    checker = create_key(store, policy, role="appointment_checker", name="bench").key
    catalogue = load_catalogue()
    rng = random.Random(args.seed + 5)
    busy = max(1, args.persons // 100)
    persons = [
        reg._person_id(rng.randrange(busy) if n % 2 else rng.randrange(args.persons))
        for n in range(args.samples)
    ]
    codes = [reg._credit_code(rng.randrange(args.enterprises)) for _ in persons]
    server, base = _serve(location, folder, roles, env)
    rows = []
    try:
        with (
            httpx2.Client(base_url=base, timeout=60, headers={
                "Authorization": f"Bearer {investigator}",
                "X-Purpose": "enforcement_inspection"}) as reader,
            httpx2.Client(base_url=base, timeout=60, headers={
                "Authorization": f"Bearer {checker}",
                "X-Purpose": "executive_appointment_review"}) as checks,
        ):  # fmt: skip
            operations: dict[
                str, tuple[Callable[[int], object], Callable[[int], object]]
            ]
            operations = {
                "person lookup": (
                    lambda i: store.get_person(persons[i]),
                    lambda i: _ok(reader.post("/persons/lookup",
                                              json={"id_number": persons[i]})),
                ),
                "related entities": (
                    lambda i: related_entities(store, persons[i], ON),
                    lambda i: _ok(reader.post("/persons/related",
                                              json={"id_number": persons[i],
                                                    "on": ON.isoformat()})),
                ),
                "appointment check": (
                    lambda i: enforcement.check_appointment(
                        store, catalogue, persons[i], RoleType.LEGAL_REPRESENTATIVE,
                        codes[i], ON),
                    lambda i: _ok(checks.post("/checks/appointment", json={
                        "person": persons[i], "role": "legal_representative",
                        "enterprise": codes[i], "on": ON.isoformat()})),
                ),
            }  # fmt: skip
            # the server's first graph question builds its projection (embedded)
            # or warms the page cache (Neo4j): not a latency
            reader.post("/persons/related", json={"id_number": persons[0]},
                        timeout=3600)  # fmt: skip
            for operation, (direct, http) in operations.items():
                for i in range(min(50, len(persons))):  # warm both paths up
                    direct(i)
                    http(i)
                direct_ms: list[float] = []
                http_ms: list[float] = []
                for i in range(len(persons)):
                    _timed(direct, i, direct_ms)
                    _timed(http, i, http_ms)
                rows.append((
                    name, operation,
                    statistics.median(direct_ms), _percentile(direct_ms, 0.99),
                    statistics.median(http_ms), _percentile(http_ms, 0.99),
                ))  # fmt: skip
                print(_line(rows[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows


def _ok(response: httpx2.Response) -> httpx2.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    return response


def _line(row: tuple[str, str, float, float, float, float]) -> str:
    name, operation, d50, d99, h50, h99 = row
    ratio = h50 / d50 if d50 else float("inf")
    goals = ("✓" if ratio <= 1.5 else "✗") + ("✓" if h99 <= 50 else "✗")
    return (
        f"| {name} | {operation} | {d50:.2f} | {d99:.2f} | {h50:.2f} | {h99:.2f} "
        f"| {ratio:.2f} | {goals} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one table row per store and operation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=300_000)
    parser.add_argument("--sanctions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument(
        "--embedded-db", type=Path, help="an embedded store this benchmark filled "
        "before (same sizes and seed): measure again, write nothing"
    )  # fmt: skip
    args = parser.parse_args(argv)
    reg = _registry()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    print(f"registry: {args.persons:,} persons, {args.enterprises:,} enterprises, "
          f"{args.sanctions:,} sanctions; {args.samples:,} samples per operation; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    rows = []
    env = dict(os.environ)
    if "embedded" in stores:
        if args.embedded_db is not None:
            path = args.embedded_db
            store = EmbeddedStore(path)
        else:
            folder = Path(tempfile.mkdtemp(prefix="credlink-bench-api-db-"))
            path = folder / "bench.db"
            started = time.perf_counter()
            _fill_embedded(path, reg, args)
            print(f"embedded: written in {time.perf_counter() - started:.0f} s")
            store = EmbeddedStore(path)
            started = time.perf_counter()
            enforcement.propagate(store, load_catalogue(), full=True)
            print(f"embedded: propagated in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        store.neighbours(EntityKind.PERSON, reg._person_id(0))  # the projection
        print(f"embedded: graph projection in {time.perf_counter() - started:.0f} s")
        rows += _measure("embedded", str(path), store, reg, args, env)
        store.close()
    if "neo4j" in stores:
        home = Path(tempfile.mkdtemp(prefix="credlink-bench-api-neo4j-"))
        started = time.perf_counter()
        reg._import(home, args)
        info = neo4j_launcher.start(
            home, auth=False, heap=args.heap, pagecache=args.pagecache,
            stop_with=os.getpid(),
        )  # fmt: skip
        try:
            driver = neo4j.GraphDatabase.driver(info.uri, auth=None)
            reg._schema(driver)
            store4j = Neo4jStore(driver)
            _sanctions(store4j, reg, random.Random(args.seed + 9), args)
            print(f"neo4j: imported in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            enforcement.propagate(store4j, load_catalogue(), full=True)
            print(f"neo4j: propagated in {time.perf_counter() - started:.0f} s")
            rows += _measure("neo4j", info.uri, store4j, reg, args, env)
            driver.close()
        finally:
            neo4j_launcher.stop(home)
    print("\n| store | operation | direct p50 | direct p99 | HTTP p50 | HTTP p99 "
          "| HTTP/direct p50 | goals |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(_line(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
