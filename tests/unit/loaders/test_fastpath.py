"""The fast loading path gives the per-row path's outcome, row by row and file by file.

Folders are a generated registry with hypothesis-drawn edits (``tests.awkward``):
every row the fast path reads must become what the reference makes of it (the
same result, the same error at the same line, the same pending legacy
identifier), and the bulk path's import files, quarantine files and report must
be byte for byte those of a reference run. ``tests/integration/test_fast_load.py``
compares stores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from hypothesis import HealthCheck, example, given, settings

from loaders.bulk import write_import_files
from loaders.fastpath import fast_outcomes
from loaders.readers import map_row, read_rows, survey_inputs
from loaders.rows import PendingRow, RowResult, interpret_row
from tests.awkward import (
    Edit,
    Folder,
    awkward_folders,
    base_registry,
    write_folder,
)

if TYPE_CHECKING:
    from loaders.pipeline import LoadReport
    from loaders.readers import InputFile, RowError

_CODE = "91510100MA6CGUKX3A"  # any text: a pending row is finished with it


def _comparable(
    outcome: RowResult | PendingRow | RowError,
) -> object:
    if isinstance(outcome, PendingRow):
        return ("pending", outcome.field, outcome.identifier, outcome.finish(_CODE))
    return outcome


def _reference(file: InputFile) -> list[tuple[int, object]]:
    return [
        (
            raw.line,
            _comparable(
                raw.error
                or interpret_row(
                    file.kind,
                    map_row(file.kind, raw.cells),
                    file_name=file.name,
                    line=raw.line,
                )
            ),
        )
        for raw in read_rows(file)
    ]


def _fast(file: InputFile) -> list[tuple[int, object]] | None:
    outcomes = fast_outcomes(file)
    if outcomes is None:
        return None
    rows: list[tuple[int, object]] = []
    for line, raw, outcome in outcomes:
        if outcome is None:
            assert raw is not None
            outcome = raw.error or interpret_row(
                file.kind, map_row(file.kind, raw.cells), file_name=file.name, line=line
            )
        rows.append((line, _comparable(outcome)))
    return rows


def test_the_fast_path_reads_the_big_kinds_of_a_generated_registry(
    tmp_path: Path,
) -> None:
    folder = write_folder(
        Folder((), frozenset(), (), frozenset(), frozenset()), tmp_path / "reg"
    )
    files, _ = survey_inputs(folder)
    read = {f.name for f in files if fast_outcomes(f) is not None}
    assert read == {"persons.csv", "enterprises.csv", "roles.csv"}
    for file in files:
        fast = _fast(file)
        if fast is not None:
            assert fast == _reference(file)
            assert len(fast) == len(base_registry()[file.kind.value]) - 1


def test_files_the_fast_path_leaves_to_the_reference(tmp_path: Path) -> None:
    lines = base_registry()["persons"]
    text = "\n".join(lines) + "\n"
    cases = {
        "gb18030": text.encode("gb18030"),
        "quoted": text.replace(",", ',"', 1).replace(",", '",', 2).encode(),
        "crlf": text.replace("\n", "\r\n").encode(),
        "tabs": text.replace(",", "\t").encode(),
        "meta": text.replace("\n", ",\n").replace(",\n", ",_note\n", 1).encode(),
        "duplicated": text.replace("sex", "name", 1).encode(),
    }
    for name, data in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "persons.csv").write_bytes(data)
        (file,), _ = survey_inputs(folder)
        assert fast_outcomes(file) is None, name
    book = openpyxl.Workbook()
    for line in lines:
        book.active.append(line.split(","))
    book.save(tmp_path / "persons.xlsx")
    (xlsx,), _ = survey_inputs(tmp_path / "persons.xlsx")
    assert fast_outcomes(xlsx) is None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=awkward_folders())
@example(  # escaped formula starts in a name, a person's name and a role's
    drawn=Folder(
        (
            Edit("persons", 0, "value", 2, "'=1+1"),
            Edit("roles", 1, "value", 3, "'-x"),
            Edit("enterprises", 2, "value", 3, "'@x"),
        ),
        frozenset(),
        (),
        frozenset(),
        frozenset(),
    )
)
def test_fast_rows_are_the_reference_rows(drawn: Folder) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = write_folder(drawn, Path(scratch) / "reg")
        files, _ = survey_inputs(folder)
        for file in files:
            fast = _fast(file)
            if fast is not None:
                assert fast == _reference(file), file.name


def _bulk_files(folder: Path, out: Path, *, reference: bool) -> dict[str, object]:
    files = write_import_files(
        folder, out / "import", quarantine_dir=out / "quarantine", reference=reference
    )
    return {
        "import": {p.name: p.read_bytes() for p in sorted((out / "import").iterdir())},
        "quarantine": {
            p.name: p.read_bytes() for p in sorted((out / "quarantine").glob("*.csv"))
        },
        "report": _report(files.report),
        "counts": files.counts,
    }


def _report(report: LoadReport) -> object:
    return (report.to_dict(), [p.name for p in report.quarantine_files])


@settings(max_examples=30, deadline=None)
@given(drawn=awkward_folders())
def test_bulk_files_quarantine_and_report_are_the_reference_ones(
    drawn: Folder,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        folder = write_folder(drawn, root / "reg")
        fast = _bulk_files(folder, root / "fast", reference=False)
        reference = _bulk_files(folder, root / "reference", reference=True)
        assert fast == reference
