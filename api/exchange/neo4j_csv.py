"""neo4j-admin CSV of the store: ``neo4j-admin database import full`` takes it as is.

The files and headers are those of the bulk path (:mod:`loaders.bulk`): persons,
enterprises, sanctions (labelled ``Sanction:Pending``, so that ``credlink
propagate`` derives their restrictions on the new server), commendations (good
records: ``Commendation`` nodes naming their subject, as the store keeps them),
source records, and the ``ROLE`` and ``AGAINST`` relationships. They are written
from the store, page by page, so any store exports in constant memory.
``neo4j-admin.args`` holds the arguments of the import (one per line), as
:meth:`ImportFiles.arguments` gives.

Not exported: restrictions (derived again by ``credlink propagate``), sanction
events, and linkage state (judgements, candidates, conflicts, link states).
The public view writes persons by pseudonym, masked, and no source records (their
raw rows carry ID numbers and names).

Cells are not escaped against spreadsheet formulas: the files are for
neo4j-admin, and an escaped value would import changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from graph.model import Counts, EntityKind
from linkage.search_keys import enterprise_keys, person_keys
from loaders.bulk import (
    AGAINST_HEADERS,
    ARRAY_DELIMITER,
    COMMENDATION_HEADER,
    ENTERPRISE_HEADER,
    PERSON_HEADER,
    ROLE_HEADER,
    SANCTION_HEADER,
    SOURCE_RECORD_HEADER,
    ImportFiles,
    csv_day,
    csv_line,
    csv_optional,
    csv_text,
    search_keys_cell,
)
from loaders.pipeline import LoadReport

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from api.exchange.population import Population
    from api.exchange.views import ExportView
    from graph.model import SourceRecord

ARGS_FILE = "neo4j-admin.args"


@dataclass(slots=True)
class _Files:
    """The open import files and what went into them."""

    directory: Path
    handles: dict[str, IO[str]] = field(default_factory=dict)
    multiline: bool = False

    def open(self, name: str, header: Sequence[str]) -> IO[str]:
        handle = (self.directory / name).open("w", encoding="utf-8", newline="")
        handle.write(",".join(header) + "\n")
        self.handles[name] = handle
        return handle

    def write(self, name: str, *cells: str) -> None:
        line = csv_line(*cells)
        if line.count("\n") > 1 or "\r" in line:
            self.multiline = True
        self.handles[name].write(line)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def export_neo4j_csv(
    population: Population, view: ExportView, directory: Path
) -> ImportFiles:
    """Write the import files of ``population`` into ``directory`` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = _Files(directory)
    counts = dict.fromkeys(
        ("persons", "enterprises", "roles", "sanctions", "commendations"), 0
    )
    records = 0
    try:
        files.open("persons.csv", PERSON_HEADER)
        for person in population.persons():
            p = view.person(person)
            if any(ARRAY_DELIMITER in alias for alias in p.aliases):
                raise ValueError(f"an alias of person {p.person_id} holds U+001F")
            files.write(
                "persons.csv",
                csv_text(p.person_id),
                csv_text(p.name),
                csv_day(p.birth_date),
                csv_optional(p.sex.value if p.sex else None),
                csv_text(ARRAY_DELIMITER.join(p.aliases)) if p.aliases else "",
                search_keys_cell(person_keys(p.person_id, [p.name, *p.aliases])),
            )
            counts["persons"] += 1
        files.open("enterprises.csv", ENTERPRISE_HEADER)
        for e in population.enterprises():
            files.write(
                "enterprises.csv",
                csv_text(e.credit_code),
                csv_text(e.name),
                csv_optional(e.status),
                csv_day(e.founded_on),
                "true" if e.conforming else "false",
                csv_optional(e.org_code),
                csv_optional(e.registration_no),
                search_keys_cell(enterprise_keys(e.name)),
            )
            counts["enterprises"] += 1
        files.open("roles.csv", ROLE_HEADER)
        for role in population.roles():
            r = view.role(role)
            files.write(
                "roles.csv",
                csv_text(r.person_id),
                csv_text(r.credit_code),
                csv_text(r.role_id),
                csv_text(r.role.value),
                csv_day(r.since),
                csv_day(r.until),
                csv_text(r.source),
                csv_text(r.record_id),
            )
            counts["roles"] += 1
        files.open("sanctions.csv", SANCTION_HEADER)
        against = {
            kind: f"against_{kind.value}.csv"
            for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE)
        }
        for kind, name in against.items():
            files.open(name, AGAINST_HEADERS[kind])
        for sanction in population.sanctions():
            s = view.sanction(sanction)
            files.write(
                "sanctions.csv",
                csv_text(s.sanction_id),
                csv_text(s.subject_kind.value),
                csv_text(s.subject_id),
                csv_text(s.type),
                csv_text(s.authority),
                csv_text(s.decision_no),
                csv_day(s.decided_on),
                csv_day(s.violation_date),
                csv_day(s.display_until),
                csv_text(s.status.value),
            )
            files.write(
                against[s.subject_kind], csv_text(s.sanction_id), csv_text(s.subject_id)
            )
            counts["sanctions"] += 1
        files.open("commendations.csv", COMMENDATION_HEADER)
        for commendation in population.commendations():
            c = view.commendation(commendation)
            files.write(
                "commendations.csv",
                csv_text(c.commendation_id),
                csv_text(c.subject_kind.value),
                csv_text(c.subject_id),
                csv_text(c.kind),
                csv_text(c.authority),
                csv_day(c.decided_on),
                csv_day(c.valid_until),
                csv_text(c.source),
                csv_text(c.record_id),
            )
            counts["commendations"] += 1
        files.open("source_records.csv", SOURCE_RECORD_HEADER)
        if not view.public:
            for kind in (EntityKind.PERSON, EntityKind.ENTERPRISE):
                for record in population.store.iter_source_records(kind):
                    _write_record(files, record)
                    if population.tick is not None:
                        population.tick("source record")
                    records += 1
    finally:
        files.close()
    result = ImportFiles(
        directory=directory,
        nodes=(
            ("Person", directory / "persons.csv"),
            ("Enterprise", directory / "enterprises.csv"),
            # restrictions are not exported: propagation derives them anew
            ("Sanction:Pending", directory / "sanctions.csv"),
            ("Commendation", directory / "commendations.csv"),
            ("SourceRecord", directory / "source_records.csv"),
        ),
        relationships=(
            ("ROLE", directory / "roles.csv"),
            *(("AGAINST", directory / name) for name in against.values()),
        ),
        multiline=files.multiline,
        counts=Counts(**counts, source_records=records),
        report=LoadReport(),
    )
    (directory / ARGS_FILE).write_text(
        "\n".join(result.arguments()) + "\n", encoding="utf-8"
    )
    return result


def _write_record(files: _Files, record: SourceRecord) -> None:
    # the raw row as JSON text, exactly as both stores (and loaders.bulk) keep it
    raw = json.dumps(dict(record.raw), ensure_ascii=False, sort_keys=True)
    files.write(
        "source_records.csv",
        csv_text(record.key),
        csv_text(record.source),
        csv_text(record.record_id),
        csv_text(record.kind.value),
        csv_text(raw),
        csv_optional(record.entity_key),
    )
