"""Benchmark of the synthetic registry generator.

For each size it times ``generate`` and, as a baseline measured in the same run on
the same disk, the time csv.writer alone takes to write as many rows (of the same
widths) as the generated files hold. The ratio says what the drawing costs on top
of the writing; it holds up better than seconds on a machine shared with other
work, and so does the CPU time printed beside the wall time. The target: one
million persons in at most 60 s.

    .venv/bin/python bench/generate.py --persons 100000 1000000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/linkage.py
# would shadow the linkage package: put the project root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from loaders.generator import HEADERS, generate  # noqa: E402

_TARGET_SECONDS = 60.0
_TARGET_PERSONS = 1_000_000


def _baseline(directory: Path, rows_by_file: dict[str, int]) -> float:
    """Seconds csv.writer takes to write the same number of rows per file."""
    samples = {
        "persons.csv": ("tax", "TX00000001", "王秀英", "510104198001011234", "", ""),
        "enterprises.csv": (
            "91510104MA6ABCDE1X",
            "成都华兴科技有限公司",
            "存续",
            "2019-01-01",
        ),
        "roles.csv": (
            "market_regulation",
            "MRR00000001",
            "510104198001011234",
            "王秀英",
            "91510104MA6ABCDE1X",
            "director",
            "2019-01-01",
            "",
        ),
        "sanctions.csv": (
            "S00000001",
            "enterprise",
            "91510104MA6ABCDE1X",
            "administrative_penalty",
            "成都市锦江区市场监督管理局",
            "成锦市监罚〔2023〕15号",
            "2023-01-01",
            "2023-03-01",
            "2026-03-01",
        ),
    }
    truth = ("tax", "TX00000001", "510104198001011234", "")
    start = time.perf_counter()
    for name, count in rows_by_file.items():
        row = samples.get(name, truth)
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADERS[name])
            writer.writerows(row for _ in range(count))
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--enterprise-ratio",
        type=float,
        default=0.1,
        help="enterprises per person (default 0.1)",
    )
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    print(
        f"{'persons':>9} {'enterprises':>11} {'rows':>9} {'seconds':>8} "
        f"{'cpu s':>7} {'persons/s':>10} {'baseline s':>10} {'ratio':>6}"
    )
    for persons in args.persons:
        enterprises = int(persons * args.enterprise_ratio)
        with tempfile.TemporaryDirectory(prefix="credlink-bench-") as tmp:
            out = Path(tmp) / "gen"
            start, cpu_start = time.perf_counter(), time.process_time()
            summary = generate(
                out, persons=persons, enterprises=enterprises, seed=args.seed
            )
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            rows = summary.rows_by_file()
            base_dir = Path(tmp) / "baseline"
            base_dir.mkdir()
            baseline = _baseline(base_dir, rows)
        verdict = ""
        if persons == _TARGET_PERSONS:
            ok = seconds <= _TARGET_SECONDS
            verdict = (
                f"  target <= {_TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}"
            )
        print(
            f"{persons:>9} {enterprises:>11} {sum(rows.values()):>9} {seconds:>8.1f} "
            f"{cpu:>7.1f} "
            f"{persons / seconds:>10.0f} {baseline:>10.2f} {seconds / baseline:>6.1f}"
            f"{verdict}"
        )


if __name__ == "__main__":
    main()
