"""Write a synthetic registry: persons, enterprises, roles, sanctions and the truth.

Files (UTF-8 CSV with a header row, ``\\n`` line ends, dates ISO ``yyyy-mm-dd``):

- ``persons.csv``: source, record_id, name, id_number, birth_date, sex. One row per
  record of a person in a source system; ``id_number`` is blank when the source
  has none, ``birth_date`` and ``sex`` (M/F) are blank where the source does not
  keep them. Values are as the source holds them, corruptions included.
- ``enterprises.csv``: credit_code, org_code, registration_no, name, status,
  founded_on. ``status`` carries the Chinese term (存续 在业 吊销 注销 迁出, see
  :class:`EnterpriseStatus`). Enterprises founded before credit codes
  (``USCC_YEAR``) carry their organisation code (``12345678-9``, the one in the
  credit code) and a 15-digit registration number; the others leave both blank.
- ``roles.csv``: source, record_id, person_id_number, person_name, credit_code,
  role, since, until. ``role`` is a :class:`~graph.model.RoleType` value; the
  interval is half-open, ``until`` blank while the role is held.
  ``person_id_number`` may carry the ID corruptions, at ``role_scale`` times the
  rate of person records. ``legacy_refs`` of the rows registered before credit
  codes name the enterprise in ``credit_code`` by its organisation code or
  registration number instead (old registers).
- ``sanctions.csv``: sanction_id, subject_kind (enterprise|person), subject_id, type,
  authority, decision_no, violation_date, decided_on, display_until. Subjects are
  always valid numbers of real (generated) subjects: canonical ID numbers and
  credit codes, except that ``legacy_refs`` of the enterprise sanctions decided
  before credit codes name the enterprise by a legacy identifier.
- ``commendations.csv``: source, record_id, subject_kind, subject_id, kind,
  authority, decided_on, valid_until: good records (kinds of the incentives
  catalogue) of a few persons and enterprises, more often of sanctioned ones,
  decided before their first sanction (see ``loaders.generator.commendations``).
- ``truth.csv``: source, record_id, true_person_id, corruptions: the true person of
  every persons.csv row and the corruptions applied (``;``-separated
  :class:`Corruption` values, sorted; blank for a clean record).
- ``roles_truth.csv``: the same for every roles.csv row.

Record ids are unique per source across persons.csv and roles.csv (different
prefixes). Same seed, same arguments: byte-identical files on any day, whatever
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import csv
import os
import pickle
import random
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from linkage.ids import registration_no_check_digit
from loaders.generator.commendations import CommendationMaker
from loaders.generator.config import ROLE_SOURCE, GeneratorConfig
from loaders.generator.corruption import IdSpoiler
from loaders.generator.enterprises import (
    USCC_YEAR,
    EnterpriseFactory,
    RolePool,
    TrueEnterprise,
    TrueRole,
)
from loaders.generator.persons import (
    PersonFactory,
    PersonRecord,
    RecordFactory,
    TruePerson,
)
from loaders.generator.sanctions import SanctionMaker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

PERSONS_FILE: Final = "persons.csv"
ENTERPRISES_FILE: Final = "enterprises.csv"
ROLES_FILE: Final = "roles.csv"
SANCTIONS_FILE: Final = "sanctions.csv"
COMMENDATIONS_FILE: Final = "commendations.csv"
TRUTH_FILE: Final = "truth.csv"
ROLES_TRUTH_FILE: Final = "roles_truth.csv"

HEADERS: Final[dict[str, tuple[str, ...]]] = {
    PERSONS_FILE: ("source", "record_id", "name", "id_number", "birth_date", "sex"),
    ENTERPRISES_FILE: (
        "credit_code",
        "org_code",
        "registration_no",
        "name",
        "status",
        "founded_on",
    ),
    ROLES_FILE: (
        "source",
        "record_id",
        "person_id_number",
        "person_name",
        "credit_code",
        "role",
        "since",
        "until",
    ),
    SANCTIONS_FILE: (
        "sanction_id",
        "subject_kind",
        "subject_id",
        "type",
        "authority",
        "decision_no",
        "violation_date",
        "decided_on",
        "display_until",
    ),
    COMMENDATIONS_FILE: (
        "source",
        "record_id",
        "subject_kind",
        "subject_id",
        "kind",
        "authority",
        "decided_on",
        "valid_until",
    ),
    TRUTH_FILE: ("source", "record_id", "true_person_id", "corruptions"),
    ROLES_TRUTH_FILE: ("source", "record_id", "true_person_id", "corruptions"),
}
"""Header row of each output file."""

_ROLES_PER_ENTERPRISE: Final = 22.0  # measured: about 11 seats, each changing hands
_MIN_POOL: Final = 200  # small registries: enough holders for distinct boards
_BATCH: Final = 4096  # rows buffered per file before writing
_PARALLEL_FROM: Final = (
    50_000  # persons: below, a second process costs more than it saves
)


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    """How many rows each file of a generated registry has (headers excluded)."""

    persons: int  # true persons
    person_records: int  # rows of persons.csv (and of truth.csv)
    enterprises: int
    roles: int  # rows of roles.csv (and of roles_truth.csv)
    sanctions: int
    role_holders: int  # size of the pool roles were drawn from
    commendations: int = 0

    def rows_by_file(self) -> dict[str, int]:
        """Row counts keyed by file name."""
        return {
            PERSONS_FILE: self.person_records,
            ENTERPRISES_FILE: self.enterprises,
            ROLES_FILE: self.roles,
            SANCTIONS_FILE: self.sanctions,
            COMMENDATIONS_FILE: self.commendations,
            TRUTH_FILE: self.person_records,
            ROLES_TRUTH_FILE: self.roles,
        }


class RegistryStream:
    """The registry as a stream: persons first, then enterprises.

    :meth:`persons` must be consumed before :meth:`enterprises`: the persons who
    may hold roles are chosen while persons are drawn. Only those (ID, name,
    birth date) and the ID numbers issued so far are kept in memory.
    """

    def __init__(
        self, *, persons: int, enterprises: int, seed: int, config: GeneratorConfig
    ) -> None:
        if persons < 0 or enterprises < 0:
            msg = "counts must not be negative"
            raise ValueError(msg)
        if enterprises and persons < _MIN_POOL:
            msg = f"enterprises need at least {_MIN_POOL} persons to hold their roles"
            raise ValueError(msg)
        self._persons = persons
        self._enterprises = enterprises
        self._seed = seed
        self._config = config
        self.pool = RolePool()
        self._sanctions = SanctionMaker(seed, config)
        self._persons_done = False
        wanted = enterprises * _ROLES_PER_ENTERPRISE / config.pool_roles
        self._pool_share = min(1.0, max(wanted, _MIN_POOL) / max(persons, 1))

    def persons(
        self, *, records: bool = True, pool: bool = True
    ) -> Iterator[tuple[TruePerson, list[PersonRecord], list[tuple[str, ...]]]]:
        """Each person with their source records and the sanctions against them.

        Each part has its own random stream, so leaving out the records (an empty
        list instead) or the pool (then :meth:`enterprises` cannot follow) changes
        nothing else: two processes can share the work and write the same bytes.
        """
        people = PersonFactory(self._seed, self._config)
        factory = RecordFactory(self._seed, self._config)
        pool_rng = random.Random(f"credlink:{self._seed}:pool")
        for _ in range(self._persons):
            person = people.next()
            sanctions = self._sanctions.for_person(person)
            # a sanctioned person is on record with a usable number somewhere
            rows = factory.records(person, keep_id=bool(sanctions)) if records else []
            if pool_rng.random() < self._pool_share and pool:
                self.pool.add(person)
            yield person, rows, sanctions
        self._persons_done = pool

    def enterprises(
        self,
    ) -> Iterator[tuple[TrueEnterprise, list[TrueRole], list[tuple[str, ...]]]]:
        """Each enterprise with its roles and the sanctions against it."""
        if not self._persons_done:
            msg = "consume persons() (with the pool) before enterprises()"
            raise RuntimeError(msg)
        factory = EnterpriseFactory(self._seed, self._config, self.pool)
        for _ in range(self._enterprises):
            enterprise, roles = factory.next()
            yield enterprise, roles, self._sanctions.for_enterprise(enterprise)


def _writer(stack: ExitStack, path: Path) -> Any:
    """A csv.writer on ``path`` (closed with ``stack``), header row written."""
    handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(HEADERS[path.name])
    return writer


def generate(
    out_dir: Path,
    *,
    persons: int,
    enterprises: int,
    seed: int,
    config: GeneratorConfig | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Write a synthetic registry of ``persons`` people and ``enterprises`` firms.

    ``progress(done, total)`` is called now and then with the persons and
    enterprises drawn so far in this process (a second process's are not counted).

    Same arguments, same bytes, whatever ``jobs``. Rows are written as they are
    drawn, so memory grows only with the pool of role holders and the set of
    issued numbers. ``jobs=2`` writes persons.csv and truth.csv in a second
    process while this one writes the rest (both draw the same persons); the
    default uses two processes from 50 000 persons on where two CPUs exist.
    """
    config = config or GeneratorConfig()
    # fail early, in this process, on impossible sizes
    RegistryStream(persons=persons, enterprises=enterprises, seed=seed, config=config)
    if jobs is None:
        jobs = 2 if persons >= _PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
    out_dir.mkdir(parents=True, exist_ok=True)
    total = persons + enterprises + (persons if jobs <= 1 else 0)
    ticks = _Ticks(progress, total)
    if jobs > 1:
        writer = _start_person_writer(out_dir, persons, enterprises, seed, config)
        try:
            roles, sanctions, holders, commended = _write_registry_files(
                out_dir, persons, enterprises, seed, config, ticks
            )
        except BaseException:
            writer.kill()
            with writer:  # closes the pipes, reaps the process
                pass
            raise
        records = _wait_for(writer)
    else:
        records = _write_person_files(
            out_dir, persons, enterprises, seed, config, ticks
        )
        roles, sanctions, holders, commended = _write_registry_files(
            out_dir, persons, enterprises, seed, config, ticks
        )
    ticks.finish()
    return GenerationSummary(
        persons=persons,
        person_records=records,
        enterprises=enterprises,
        roles=roles,
        sanctions=sanctions,
        role_holders=holders,
        commendations=commended,
    )


class _Ticks:
    """Counts drawn persons and enterprises; reports every few thousand."""

    _EVERY: Final = 2000

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.done = 0
        self._progress = progress
        self._total = total

    def tick(self) -> None:
        self.done += 1
        if self._progress is not None and self.done % self._EVERY == 0:
            self._progress(self.done, self._total)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self._total, self._total)


class _Batches:
    """Rows collected and written in batches (one writerows call per batch)."""

    def __init__(self, writer: Any) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.count = 0
        self._writer = writer

    def flush(self) -> None:
        self.count += len(self.rows)
        self._writer.writerows(self.rows)
        self.rows.clear()


def _start_person_writer(
    out_dir: Path, persons: int, enterprises: int, seed: int, config: GeneratorConfig
) -> subprocess.Popen[bytes]:
    """Start ``_write_person_files`` in a fresh interpreter.

    A plain subprocess rather than multiprocessing: no fork of a possibly
    threaded parent, and no re-import of the caller's main module (a script that
    calls ``generate`` at top level works as it is).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD_CODE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    args = (out_dir, persons, enterprises, seed, config)
    if process.stdin is not None:  # always, with stdin=PIPE
        process.stdin.write(pickle.dumps(args))
        process.stdin.close()
    return process


_CHILD_CODE: Final = (
    "from loaders.generator.pipeline import _person_writer_main; _person_writer_main()"
)


def _person_writer_main() -> None:
    """Entry point of the second process: arguments pickled on stdin."""
    args = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.write(f"{_write_person_files(*args)}\n")


def _wait_for(process: subprocess.Popen[bytes]) -> int:
    """The record count the person writer reports; its failure is ours."""
    with process:  # closes the pipes and waits on leaving
        out = process.stdout.read() if process.stdout is not None else b""
    if process.returncode != 0:
        msg = f"the person writer process failed with exit code {process.returncode}"
        raise RuntimeError(msg)
    return int(out.split()[-1])


def _write_person_files(
    out_dir: Path,
    persons: int,
    enterprises: int,
    seed: int,
    config: GeneratorConfig,
    ticks: _Ticks | None = None,
) -> int:
    """Write persons.csv and truth.csv; return the number of records."""
    stream = RegistryStream(
        persons=persons, enterprises=enterprises, seed=seed, config=config
    )
    with ExitStack() as stack:
        people = _Batches(_writer(stack, out_dir / PERSONS_FILE))
        truth = _Batches(_writer(stack, out_dir / TRUTH_FILE))
        add_person, add_truth = people.rows.append, truth.rows.append
        for person, records, _ in stream.persons(pool=False):
            if ticks is not None:
                ticks.tick()
            person_id = person.person_id
            for r in records:
                add_person(
                    (r.source, r.record_id, r.name, r.id_number, r.birth_date, r.sex)
                )
                spoiled = r.corruptions
                add_truth(
                    (
                        r.source,
                        r.record_id,
                        person_id,
                        ";".join(sorted(spoiled)) if spoiled else "",
                    )
                )
            if len(people.rows) >= _BATCH:
                people.flush()
                truth.flush()
        people.flush()
        truth.flush()
    return people.count


def _write_registry_files(
    out_dir: Path,
    persons: int,
    enterprises: int,
    seed: int,
    config: GeneratorConfig,
    ticks: _Ticks,
) -> tuple[int, int, int, int]:
    """Write enterprises.csv, roles.csv, roles_truth.csv, sanctions.csv and
    commendations.csv.

    Returns the numbers of roles and sanctions, the size of the holder pool and
    the number of commendations.
    """
    stream = RegistryStream(
        persons=persons, enterprises=enterprises, seed=seed, config=config
    )
    with ExitStack() as stack:
        files = {
            name: _writer(stack, out_dir / name)
            for name in (
                ENTERPRISES_FILE,
                ROLES_FILE,
                ROLES_TRUTH_FILE,
                SANCTIONS_FILE,
                COMMENDATIONS_FILE,
            )
        }
        sanctions = _Batches(files[SANCTIONS_FILE])
        commended = _Batches(files[COMMENDATIONS_FILE])
        maker = CommendationMaker(seed, config)
        for person, _, against in stream.persons(records=False):
            ticks.tick()
            if against:
                sanctions.rows.extend(against)
            commended.rows.extend(maker.for_person(person, against))
        roles = _write_enterprises(
            stream,
            files,
            sanctions,
            seed,
            config,
            ticks,
            lambda firm, against: commended.rows.extend(
                maker.for_enterprise(firm, against)
            ),
        )
        sanctions.flush()
        commended.flush()
    return roles, sanctions.count, len(stream.pool), commended.count


def _write_enterprises(
    stream: RegistryStream,
    files: dict[str, Any],
    sanctions: _Batches,
    seed: int,
    config: GeneratorConfig,
    ticks: _Ticks,
    commend: Callable[[TrueEnterprise, list[tuple[str, ...]]], None],
) -> int:
    """Write enterprises.csv, roles.csv and roles_truth.csv; return the role count.
    ``commend`` is given each enterprise and the sanctions against it."""
    rng = random.Random(f"credlink:{seed}:role-records")
    # a stream of its own: the legacy references change no other value
    legacy_rng = random.Random(f"credlink:{seed}:legacy-refs")
    legacy_share = config.legacy_refs
    spoiler = IdSpoiler(config.rates, ROLE_SOURCE, config.rates.role_scale)
    pool = stream.pool
    firms = _Batches(files[ENTERPRISES_FILE])
    roles = _Batches(files[ROLES_FILE])
    truth = _Batches(files[ROLES_TRUTH_FILE])
    add_role, add_truth = roles.rows.append, truth.rows.append
    source, prefix = ROLE_SOURCE.name, ROLE_SOURCE.prefix
    iso = _IsoDates()
    count = 0
    for enterprise, held, against in stream.enterprises():
        ticks.tick()
        commend(enterprise, against)
        code = enterprise.credit_code
        legacy = _legacy_ids(enterprise)
        firms.rows.append(
            (
                code,
                *(legacy or ("", "")),
                enterprise.name,
                enterprise.status.value,
                enterprise.founded_on.isoformat(),
            )
        )
        for role in held:
            count += 1
            record_id = f"{prefix}{count:08d}"
            true_id = pool.ids[role.holder]
            number, applied = spoiler.spoil(
                rng, true_id, legacy_ok=_has_legacy_form(true_id)
            )
            add_role(
                (
                    source,
                    record_id,
                    number,
                    pool.names[role.holder],
                    (
                        legacy[legacy_rng.random() < 0.5]
                        if legacy
                        and role.since < _USCC_DAY
                        and legacy_rng.random() < legacy_share
                        else code
                    ),
                    role.role,  # a StrEnum: csv writes its value
                    iso[role.since],
                    iso[role.until] if role.until else "",
                )
            )
            add_truth(
                (
                    source,
                    record_id,
                    true_id,
                    ";".join(sorted(applied)) if applied else "",
                )
            )
        if against:
            sanctions.rows.extend(
                (*row[:2], legacy[legacy_rng.random() < 0.5], *row[3:])
                if legacy
                and row[7] < _USCC_DAY_ISO
                and legacy_rng.random() < legacy_share
                else row
                for row in against
            )
        if len(roles.rows) >= _BATCH:
            roles.flush()
            truth.flush()
            firms.flush()
    for batch in (roles, truth, firms):
        batch.flush()
    return count


_USCC_DAY: Final = date(USCC_YEAR, 1, 1)
_USCC_DAY_ISO: Final = _USCC_DAY.isoformat()


def _legacy_ids(enterprise: TrueEnterprise) -> tuple[str, str] | None:
    """Organisation code (as printed, ``12345678-9``) and registration number of an
    enterprise founded before credit codes; None for younger ones.

    The organisation code is the one in the credit code; the registration number
    is the region, the enterprise's index (unique) and the MOD 11,10 check digit.
    """
    if enterprise.founded_on >= _USCC_DAY:
        return None
    org = enterprise.credit_code[8:17]
    body = f"{enterprise.region}{enterprise.index:08d}"
    return f"{org[:8]}-{org[8]}", body + registration_no_check_digit(body)


class _IsoDates(dict["date", str]):
    """date -> ISO text, filled on first use (roles repeat a few thousand days)."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def _has_legacy_form(person_id: str) -> bool:
    """Whether a 15-digit form exists: a mainland number of a birth in 1900-1999."""
    return person_id[:2] not in ("81", "82", "83") and person_id[6:8] == "19"
