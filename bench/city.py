"""The city run: generate, bulk import into Neo4j, link, propagate, then read.

One run of the whole first load of a city on this machine, step by step, with the
neo4j-admin yardstick in the same run:

1. **generate** the generator's realistic registry (cached between runs, like
   ``bench/load.py``'s, in ``--cache``);
2. **bulk** import it into a fresh Neo4j HOME (``loaders.bulk.bulk_import``:
   read and validate every row, write the import files, neo4j-admin, start the
   server) and open the store (constraints and indexes, awaited);
3. **yardstick**: a plain ``neo4j-admin database import full`` of the files the
   bulk step wrote, into a second HOME (the import alone);
4. **link**: a full identity resolution of the person records
   (``linkage.link_store.link_store``) through the store;
5. **propagate** every sanction to the persons it reaches (``full``);
6. **reads**: ``--checks`` appointment checks and as many related-entity reads
   for persons drawn from the registry's role rows (their true ID numbers), p50
   and p99 per read.

Each step runs in its own child process, so its peak memory (``wait4``'s
``ru_maxrss``) is its own; the server's peak (``VmHWM``) and CPU are read from
``/proc`` after each step (the step's peak includes its own children, such as
neo4j-admin). Prints one table (wall seconds, CPU seconds of the
child, peak MiB of the child, the server's peak so far) and the load average.

Run: ``nohup nice .venv/bin/python bench/city.py --persons 10000000
--enterprises 1000000 > city.log &`` (hours on 2 cores). ``--persons 20000
--enterprises 6000 --checks 100`` is a quick look.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

_ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(_ROOT)
sys.path.insert(1, str(_ROOT / "docker"))

import neo4j  # noqa: E402
import neo4j_launcher  # noqa: E402

from graph.model import RoleType  # noqa: E402
from graph.neo4j_store import Neo4jStore  # noqa: E402

if TYPE_CHECKING:
    from types import ModuleType

_STEPS = ("generate", "bulk", "link", "propagate", "reads")
_ON = "2026-12-01"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", _ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _server_figures(pid: int) -> tuple[float, float]:
    """CPU seconds and peak resident MiB (VmHWM) of the running server so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return cpu, peak


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# -- the steps, each run in a child process ---------------------------------------


def _step_generate(args: argparse.Namespace) -> dict[str, Any]:
    load = _module("load")
    folder = load._registry(args.cache, args.persons, args.enterprises, args.seed)
    summary = json.loads((folder / ".complete").read_text(encoding="utf-8"))
    return {"folder": str(folder), "summary": summary}


def _step_bulk(args: argparse.Namespace) -> dict[str, Any]:
    from loaders.bulk import bulk_import, run_import

    folder = Path(args.folder)
    started = time.perf_counter()
    report = bulk_import(
        folder,
        args.work / "neo4j",
        neo4j_launcher,
        auth=False,
        heap=args.heap,
        pagecache=args.pagecache,
        import_heap=args.import_heap,
        max_off_heap=args.max_off_heap,
        keep_files=True,
        quarantine_dir=args.work / "quarantine",
    )
    with neo4j.GraphDatabase.driver(report.server.uri) as driver:
        Neo4jStore(driver)  # constraints and indexes, awaited
    bulk_seconds = time.perf_counter() - started
    rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
    admin_cpu = rusage.ru_utime + rusage.ru_stime
    started = time.perf_counter()
    run_import(
        report.files,
        args.work / "neo4j-yardstick",
        neo4j_launcher.admin,
        heap=args.import_heap,
        max_off_heap=args.max_off_heap,
    )
    yardstick = time.perf_counter() - started
    shutil.rmtree(args.work / "neo4j-yardstick", ignore_errors=True)
    shutil.rmtree(report.files.directory, ignore_errors=True)
    rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "uri": report.server.uri,
        "pid": report.server.pid,
        "rows": report.files.report.read,
        "quarantined": report.files.report.quarantined,
        "bulk_seconds": bulk_seconds,
        "write_seconds": report.write_seconds,
        "import_seconds": report.import_seconds,
        "yardstick_seconds": yardstick,
        "yardstick_cpu": rusage.ru_utime + rusage.ru_stime - admin_cpu,
    }


def _step_link(args: argparse.Namespace) -> dict[str, Any]:
    from linkage.link_store import link_store

    with neo4j.GraphDatabase.driver(args.uri) as driver:
        report = link_store(Neo4jStore(driver), full=True)
    return {
        "considered": report.considered,
        "writes": report.writes,
        "moved": report.moved,
    }


def _step_propagate(args: argparse.Namespace) -> dict[str, Any]:
    from graph import enforcement
    from graph.policy.catalogue import load_catalogue

    with neo4j.GraphDatabase.driver(args.uri) as driver:
        store = Neo4jStore(driver)
        report = enforcement.propagate(store, load_catalogue(), full=True)
        counts = store.counts()
    return {"report": repr(report)[:300], "counts": repr(counts)}


def _sample_roles(folder: Path, size: int, seed: int) -> list[tuple[str, str]]:
    """``size`` (true person ID, credit code) pairs from the role rows, reservoir."""
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []
    with (
        (folder / "roles.csv").open(encoding="utf-8", newline="") as roles,
        (folder / "roles_truth.csv").open(encoding="utf-8", newline="") as truth,
    ):
        for n, (role, true) in enumerate(
            zip(csv.DictReader(roles), csv.DictReader(truth), strict=True)
        ):
            if role["record_id"] != true["record_id"] or not true["true_person_id"]:
                continue
            pair = (true["true_person_id"], role["credit_code"])
            if len(chosen) < size:
                chosen.append(pair)
            elif (slot := rng.randrange(n + 1)) < size:
                chosen[slot] = pair
    return chosen


def _step_reads(args: argparse.Namespace) -> dict[str, Any]:
    from datetime import date

    from graph import enforcement
    from graph.errors import EntityNotFoundError
    from graph.exploration import related_entities
    from graph.policy.catalogue import load_catalogue

    day = date.fromisoformat(_ON)
    pairs = _sample_roles(Path(args.folder), args.checks, args.seed)
    catalogue = load_catalogue()
    checks: list[float] = []
    reads: list[float] = []
    blocked = missing = 0
    with neo4j.GraphDatabase.driver(args.uri) as driver:
        store = Neo4jStore(driver)
        for person, code in pairs:
            started = time.perf_counter()
            verdict = enforcement.check_appointment(
                store, catalogue, person, RoleType.LEGAL_REPRESENTATIVE, code, day
            )
            checks.append((time.perf_counter() - started) * 1000)
            blocked += not verdict.allowed
            started = time.perf_counter()
            try:
                related_entities(store, person, day)
            except EntityNotFoundError:
                missing += 1
            reads.append((time.perf_counter() - started) * 1000)
    return {
        "reads": len(pairs),
        "blocked": blocked,
        "missing": missing,
        "check_p50": statistics.median(checks),
        "check_p99": _percentile(checks, 0.99),
        "related_p50": statistics.median(reads),
        "related_p99": _percentile(reads, 0.99),
    }


_RUNNERS = {
    "generate": _step_generate,
    "bulk": _step_bulk,
    "link": _step_link,
    "propagate": _step_propagate,
    "reads": _step_reads,
}


# -- the parent: runs each step in a child, measures it ---------------------------


def _run_child(
    step: str, argv: list[str], state: dict[str, Any]
) -> tuple[dict[str, Any], float, float, float]:
    """Run ``step`` in a child; its result, wall s, CPU s and peak MiB."""
    out = Path(state["work"]) / f"{step}.json"
    command = [
        sys.executable,
        __file__,
        *argv,
        "--step",
        step,
        "--state",
        json.dumps(state),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, rusage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"step {step} failed with exit status {child.returncode}")
    cpu = rusage.ru_utime + rusage.ru_stime
    return (
        json.loads(out.read_text(encoding="utf-8")),
        wall,
        cpu,
        rusage.ru_maxrss / 1024,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path.home() / ".cache" / "credlink" / "bench",
        help="where the generated registry is kept between runs",
    )
    parser.add_argument("--work", type=Path, help="scratch folder [a temporary one]")
    parser.add_argument("--heap", default="6g", help="Neo4j server heap")
    parser.add_argument("--pagecache", default="6g", help="Neo4j page cache")
    parser.add_argument("--import-heap", default="2g", help="neo4j-admin heap")
    parser.add_argument("--max-off-heap", default="6g", help="neo4j-admin off-heap")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--step", choices=_STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the city run (or, with the hidden ``--step``, one of its steps)."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    if args.step:
        for key, value in json.loads(args.state).items():
            setattr(args, key, Path(value) if key == "work" else value)
        result = _RUNNERS[args.step](args)
        args.out.write_text(json.dumps(result) + "\n", encoding="utf-8")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="credlink-bench-city-"))
    work.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"work": str(work)}
    print(
        f"city run: {args.persons:,} persons, {args.enterprises:,} enterprises; "
        f"scratch {work}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rows: list[tuple[str, float, float, float, float, str]] = []
    results: dict[str, Any] = {}
    server_pid = 0
    try:
        for step in _STEPS:
            result, wall, cpu, peak = _run_child(step, argv, state)
            results[step] = result
            server_peak = 0.0
            if step == "generate":
                state["folder"] = result["folder"]
            if step == "bulk":
                state["uri"], server_pid = result["uri"], result["pid"]
            if server_pid:
                server_cpu, server_peak = _server_figures(server_pid)
                results[step]["server_cpu_so_far"] = server_cpu
            detail = _detail(step, result)
            rows.append((step, wall, cpu, peak, server_peak, detail))
            print(f"{step}: {wall:,.0f} s, {detail}", flush=True)
    finally:
        if (work / "neo4j").exists():
            neo4j_launcher.stop(work / "neo4j")
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs; load average at the end {load}")
    print(
        "| step | wall s | CPU s (step) | peak MiB (step and its children) "
        "| server peak MiB | detail |"
    )
    print("|---|---|---|---|---|---|")
    for step, wall, cpu, peak, server_peak, detail in rows:
        print(
            f"| {step} | {wall:,.0f} | {cpu:,.0f} | {peak:,.0f} | "
            f"{server_peak:,.0f} | {detail} |"
        )
    total = sum(row[1] for row in rows[1:])
    bulk = results["bulk"]
    print(
        f"\nload to answers (bulk .. reads): {total:,.0f} s; bulk path "
        f"{bulk['bulk_seconds']:,.0f} s = "
        f"{bulk['bulk_seconds'] / bulk['yardstick_seconds']:.2f} x the yardstick"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def _detail(step: str, result: dict[str, Any]) -> str:
    if step == "generate":
        summary = result["summary"]
        return (
            f"{summary['person_records']:,} person records, "
            f"{summary['roles']:,} role rows, {summary['sanctions']:,} sanctions"
        )
    if step == "bulk":
        return (
            f"{result['rows']:,} rows ({result['quarantined']:,} quarantined): "
            f"files {result['write_seconds']:,.0f} s, neo4j-admin "
            f"{result['import_seconds']:,.0f} s; yardstick (neo4j-admin alone) "
            f"{result['yardstick_seconds']:,.0f} s"
        )
    if step == "link":
        return (
            f"{result['considered']:,} records, {result['moved']:,} moved, "
            f"{result['writes']:,} writes"
        )
    if step == "propagate":
        return str(result["counts"])
    return (
        f"{result['reads']:,} checks: p50 {result['check_p50']:.1f} ms, p99 "
        f"{result['check_p99']:.1f} ms ({result['blocked']} blocked); related: "
        f"p50 {result['related_p50']:.1f} ms, p99 {result['related_p99']:.1f} ms "
        f"({result['missing']} unknown)"
    )


if __name__ == "__main__":
    sys.exit(main())
