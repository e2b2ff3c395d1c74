"""The embedded store's search index: one SQLite table of (kind, key, entity).

Each person and enterprise is filed under its search keys (``linkage.search_keys``)
in the transaction that writes it; the primary key (kind, token, entity) answers a
key's holders in entity order from the index alone. A store written before the
index existed is indexed once when opened (``meta.search_index``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from graph.model import EntityKind
from linkage.search_keys import enterprise_keys, person_keys

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Sequence

SEARCH_DDL: Final = """
CREATE TABLE IF NOT EXISTS search_keys (
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    entity TEXT NOT NULL,
    PRIMARY KEY (kind, token, entity)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_keys_entity ON search_keys(kind, entity);
"""

_VERSION: Final = "1"
_BATCH: Final = 10_000


def prepare_search(conn: sqlite3.Connection) -> None:
    """Create the index table and fill it once for a store written before it."""
    conn.executescript(SEARCH_DDL)
    row = conn.execute("SELECT value FROM meta WHERE key = 'search_index'").fetchone()
    if row is not None and row[0] == _VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.cursor()
        cur.execute("DELETE FROM search_keys")
        persons = cur.execute("SELECT person_id, name, aliases FROM persons")
        while batch := persons.fetchmany(_BATCH):
            index_persons(
                conn.cursor(), [(p, [n, *json.loads(a)]) for p, n, a in batch]
            )
        firms = cur.execute("SELECT credit_code, name FROM enterprises")
        while rows := firms.fetchmany(_BATCH):
            index_enterprises(conn.cursor(), [(c, n) for c, n in rows])
        cur.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('search_index', ?)",
            (_VERSION,),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _replace(
    cur: sqlite3.Cursor, kind: EntityKind, keyed: Sequence[tuple[str, Sequence[str]]]
) -> None:
    cur.executemany(
        "DELETE FROM search_keys WHERE kind = ? AND entity = ?",
        [(kind.value, entity) for entity, _ in keyed],
    )
    cur.executemany(
        "INSERT OR IGNORE INTO search_keys(kind, token, entity) VALUES (?, ?, ?)",
        [(kind.value, token, entity) for entity, tokens in keyed for token in tokens],
    )


def index_persons(
    cur: sqlite3.Cursor, persons: Iterable[tuple[str, Sequence[str]]]
) -> None:
    """File persons (key, every name) under their keys, replacing their old keys."""
    _replace(
        cur,
        EntityKind.PERSON,
        [(key, person_keys(key, [n for n in names if n])) for key, names in persons],
    )


def index_enterprises(cur: sqlite3.Cursor, firms: Iterable[tuple[str, str]]) -> None:
    """File enterprises (credit code, name) under their keys, replacing old ones."""
    _replace(
        cur,
        EntityKind.ENTERPRISE,
        [(code, enterprise_keys(name)) for code, name in firms],
    )


def unindex(cur: sqlite3.Cursor, kind: EntityKind, keys: Sequence[str]) -> None:
    """Drop the keys of deleted entities."""
    cur.executemany(
        "DELETE FROM search_keys WHERE kind = ? AND entity = ?",
        [(kind.value, key) for key in keys],
    )


def postings(
    conn: sqlite3.Connection,
    kind: EntityKind,
    exact: Sequence[str],
    grams: Sequence[str],
    limit: int,
) -> dict[str, list[str]]:
    """The holders of each key on the table (``GraphStore.search_candidates``):
    an exact key's first ``limit`` by entity key, a gram's all or none."""
    found: dict[str, list[str]] = {}
    sql = (
        "SELECT entity FROM search_keys WHERE kind = ? AND token = ? "
        "ORDER BY entity LIMIT ?"
    )
    for token in dict.fromkeys(exact):
        rows = conn.execute(sql, (kind.value, token, limit)).fetchall()
        found[token] = [row[0] for row in rows]
    for token in dict.fromkeys(grams):
        if token in found:
            continue
        rows = conn.execute(sql, (kind.value, token, limit + 1)).fetchall()
        found[token] = [row[0] for row in rows] if len(rows) <= limit else []
    return found
