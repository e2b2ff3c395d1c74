"""The hash-chained audit log: entries, tamper detection, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import stat
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.audit import AuditDraft, AuditLog, AuditWriteError, Outcome, verify_entries
from api.audit.log import GENESIS
from api.audit.review import ReviewRules, review, who_queried
from graph.model import AuditCheckpoint


def _fill(path: Path, n: int, **kwargs: object) -> AuditLog:
    log = AuditLog(path, **kwargs)  # type: ignore[arg-type]
    for i in range(n):
        log.append(
            AuditDraft(action="person.lookup", subject=f"P{i}", persons=(f"P{i}",))
        )
    return log


def test_entries_chain_from_the_genesis(tmp_path: Path) -> None:
    log = _fill(tmp_path / "a.jsonl", 3)
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev == GENESIS
    assert [e.prev for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert len({e.log for e in entries}) == 1
    report = verify_entries(log.lines())
    assert (report.ok, report.entries, report.head) == (True, 3, entries[-1].hash)


def test_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _fill(path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # made readable by hand: the next append closes it again
    _fill(path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _edit(lines: list[bytes], index: int, **changes: object) -> None:
    data = json.loads(lines[index])
    data.update(changes)
    lines[index] = json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    ("tamper", "first_bad", "word"),
    [
        (lambda ls: _edit(ls, 3, subject="someone else"), 4, "edited"),
        (lambda ls: ls.pop(3), 4, "deleted"),
        (lambda ls: ls.insert(3, ls[5]), 4, "duplicated or inserted"),
        (lambda ls: ls.__setitem__(slice(3, 5), [ls[4], ls[3]]), 4, "reordered"),
        (lambda ls: ls.__setitem__(2, b"{not json\n"), 3, "unreadable"),
        (lambda ls: ls.pop(0), 1, "deleted"),
    ],
    ids=["edit", "delete", "insert", "reorder", "garbage", "delete-first"],
)
def test_tampering_is_detected_and_named(
    tmp_path: Path, tamper: object, first_bad: int, word: str
) -> None:
    lines = _fill(tmp_path / "a.jsonl", 8).lines()
    tamper(lines)  # type: ignore[operator]
    report = verify_entries(lines)
    assert not report.ok
    assert report.first_bad == first_bad
    assert report.problem is not None
    assert word in report.problem


def test_a_rehashed_edit_breaks_the_link_to_the_next_entry(tmp_path: Path) -> None:
    log = _fill(tmp_path / "a.jsonl", 5)
    entries = log.entries()
    forged = replace(entries[2], subject="forged")
    forged = replace(forged, hash=forged.digest())  # recomputed: its own hash holds
    lines = log.lines()
    lines[2] = forged.line()
    report = verify_entries(lines)
    assert (report.ok, report.first_bad) == (False, 4)
    assert report.problem is not None
    assert "does not follow" in report.problem


def test_truncation_and_rewrites_are_caught_by_checkpoints(tmp_path: Path) -> None:
    kept: list[AuditCheckpoint] = []
    log = _fill(tmp_path / "a.jsonl", 10, anchor=kept.append, checkpoint_every=4)
    assert [c.seq for c in kept] == [4, 8]
    lines = log.lines()
    cut = verify_entries(lines[:6], kept)  # the tail cut before entry 8
    assert not cut.ok
    assert cut.problem is not None
    assert "truncated" in cut.problem
    # rewriting the whole log consistently (a new chain) disagrees with the anchor
    rewritten = _fill(tmp_path / "b.jsonl", 10).lines()
    forged = [
        AuditCheckpoint(log_id=c.log_id, seq=c.seq, head=c.head, at=c.at) for c in kept
    ]
    report = verify_entries(rewritten, forged)
    assert report.ok  # another log's checkpoints do not apply to it...
    assert report.checkpoints == 0  # ...and it has none of its own
    relabelled = [
        json.dumps({**json.loads(line), "log": kept[0].log_id}).encode() + b"\n"
        for line in rewritten
    ]
    assert not verify_entries(relabelled, kept).ok  # relabelled: hashes break
    assert verify_entries(lines, kept).checkpoints == 2


def test_a_cut_last_line_stops_writing(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _fill(path, 2)
    with path.open("ab") as file:
        file.write(b'{"seq": 3, "trunc')
    with pytest.raises(AuditWriteError, match="not an entry"):
        AuditLog(path).append(AuditDraft(action="x"))


def _append_many(path: str, worker: int, n: int) -> None:
    log = AuditLog(Path(path))
    for i in range(n):
        log.append(AuditDraft(action="x", subject=f"w{worker}-{i}"))


def test_concurrent_processes_and_threads_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_many, args=(str(path), w, 40)) for w in range(3)
    ]
    for process in processes:
        process.start()
    shared = AuditLog(path)
    threads = [
        threading.Thread(
            target=lambda t=t: [
                shared.append(AuditDraft(action="x", subject=f"t{t}-{i}"))
                for i in range(40)
            ]
        )
        for t in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    entries = AuditLog(path).entries()
    assert len(entries) == 240
    assert len({e.subject for e in entries}) == 240  # none lost, none doubled
    assert verify_entries(AuditLog(path).lines()).ok


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_any_text_round_trips_and_verifies(
    tmp_path_factory: object, texts: list[str]
) -> None:
    path = tmp_path_factory.mktemp("log") / "a.jsonl"  # type: ignore[attr-defined]
    log = AuditLog(path)
    for text in texts:
        log.append(AuditDraft(action="x", subject=text, purpose=text, persons=(text,)))
    assert [e.subject for e in log.entries()] == texts
    assert verify_entries(log.lines()).ok


def test_who_queried_finds_subjects_and_carried_persons(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    log.append(AuditDraft(action="person.related", subject="A", persons=("A", "B")))
    log.append(AuditDraft(action="connections.find", subject="C D", persons=("C",)))
    log.append(AuditDraft(action="person.lookup", subject="E", persons=("E",)))
    entries = log.entries()
    assert [e.seq for e in who_queried(entries, "B")] == [1]
    assert [e.seq for e in who_queried(entries, "D")] == [2]
    assert who_queried(entries, "Z") == []


def test_review_flags_bursts_denials_off_hours_and_outliers(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    for i in range(60):  # one key sweeps 60 persons in a minute
        log.append(
            AuditDraft(action="person.related", key_id="k1", key_name="sweeper",
                       role="investigator", persons=(f"P{i}",))
        )  # fmt: skip
    for i in range(6):
        log.append(
            AuditDraft(action="person.lookup", key_id="k2", key_name="steady",
                       role="investigator", persons=(f"P{i}",))
        )  # fmt: skip
    for _ in range(6):
        log.append(
            AuditDraft(action="person.lookup", key_id="k3", key_name="prober",
                       role="investigator", outcome=Outcome.DENIED)
        )  # fmt: skip
    today = datetime.now(UTC).date()
    always_office = ReviewRules(office=(datetime.min.time(), datetime.max.time()),
                                burst_persons=50, timezone="UTC")  # fmt: skip
    found = {k.key_id: k for k in review(log.entries(), today, None, always_office)}
    sweeper, steady, prober = found["k1"], found["k2"], found["k3"]
    assert (sweeper.requests, sweeper.persons, sweeper.max_persons_per_window) == (
        60, 60, 60
    )  # fmt: skip
    assert any(f.startswith("burst") for f in sweeper.flags)
    assert any(f.startswith("outlier") for f in sweeper.flags)
    assert steady.flags == ()
    assert prober.denials == 6
    assert any(f.startswith("denials") for f in prober.flags)
    never_office = ReviewRules(office=(datetime.min.time(), datetime.min.time()))
    late = review(log.entries(), today, None, never_office)
    assert all(k.off_hours == k.requests for k in late)
