"""Partitioned resolution equals the single run (``linkage.partitions``).

Generated registries (the generator's typos, swaps, 15-digit numbers, missing
numbers and birth dates) are resolved once whole and once partition by partition
by region code (each its own, dealt into a few partitions, or by province); the
two resolutions must be equal in every part: assignment,
identities with their evidence, conflicts, candidates with ranks and reasons,
blocked and applied judgements. Judgements are drawn by hypothesis over one
registry's records and numbers.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Judgement, JudgementRecord
from linkage.partitions import (
    SHARED,
    partition_records,
    province_of,
    region_buckets,
    region_of,
    resolve_partitioned,
)
from linkage.records import FieldMapping, link_record, plain_id_scheme
from linkage.resolver import resolve
from loaders.generator import generate

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from linkage.records import LinkRecord

T0 = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def _registry(folder: Path, persons: int, seed: int) -> list[LinkRecord]:
    generate(folder, persons=persons, enterprises=max(40, persons // 20), seed=seed)
    with (folder / "persons.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return [
            link_record(f"{row[0]}#{row[1]}", dict(zip(header, row, strict=True)))
            for row in reader
        ]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> list[LinkRecord]:
    return _registry(tmp_path_factory.mktemp("partitions"), 600, seed=16)


@pytest.mark.parametrize(
    ("persons", "seed", "key"),
    [
        (300, 1, region_of),  # every region code a partition
        (1200, 7, region_buckets(4)),
        (2500, 23, region_buckets(3)),
        (1200, 5, province_of),
    ],
    ids=["region", "4 buckets", "3 buckets", "province"],
)
def test_a_generated_registry_resolves_partitioned_as_in_one_run(
    tmp_path: Path, persons: int, seed: int, key: Callable[[str], str]
) -> None:
    records = _registry(tmp_path / "r", persons, seed)
    whole = resolve(records)
    assert whole.candidates  # the registry has typos and missing numbers
    assert any(len(i.record_keys) > 1 for i in whole.identities.values())
    assert resolve_partitioned(records, key=key) == whole


def test_home_records_split_by_province_and_the_rest_is_shared(
    registry: list[LinkRecord],
) -> None:
    parts = partition_records(registry)
    homes = {name: rs for name, rs in parts.items() if name != SHARED}
    assert len(homes) > 5
    assert all(
        r.id_value and r.id_value[:6] == n for n, rs in homes.items() for r in rs
    )
    shared = parts[SHARED]
    assert {r.key for r in shared} >= {r.key for r in registry if r.id_value is None}
    assert any(r.id_value is not None for r in shared)  # 15-digit numbers' groups
    assert sum(len(rs) for rs in parts.values()) == len(registry)
    assert Counter(r.key for rs in parts.values() for r in rs).most_common(1)[0][1] == 1
    assert max(len(rs) for rs in homes.values()) < len(registry) // 3


def _endpoints(registry: list[LinkRecord]) -> list[str]:
    """Record keys and numbers of the registry, for judgements."""
    return sorted(
        {r.key for r in registry} | {r.id_value for r in registry if r.id_value}
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_judgements_give_the_same_resolution_partitioned(
    registry: list[LinkRecord], data: st.DataObject
) -> None:
    endpoints = _endpoints(registry)
    # endpoints near each other in key order share sources and regions; far ones
    # cross partitions
    pairs = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(endpoints),
                st.sampled_from(endpoints),
                st.sampled_from(list(Judgement)),
                st.booleans(),
            ),
            max_size=6,
        )
    )
    judgements = [
        JudgementRecord(
            f"J{n}",
            a,
            b,
            verdict,
            "审核员",
            T0 + timedelta(minutes=n),
            undone_at=T0 + timedelta(hours=1) if undone else None,
            undone_by="审核员" if undone else None,
        )
        for n, (a, b, verdict, undone) in enumerate(pairs)
    ]
    partitioned = resolve_partitioned(registry, judgements, key=region_buckets(5))
    assert partitioned == resolve(registry, judgements)


def test_a_scheme_without_a_check_character_cannot_be_partitioned() -> None:
    mapping = FieldMapping(scheme=plain_id_scheme("member", pattern=r"[0-9]{6}"))
    with pytest.raises(ValueError, match="check character"):
        partition_records([], mapping=mapping)
