"""Every Cypher statement credlink runs, named and parameterised.

Queries are ``Final[LiteralString]`` constants: a query assembled from runtime strings
fails type checking. Values go in as ``$parameters`` only. Where a label differs by
entity kind, there is one constant per kind and a mapping keyed by ``EntityKind``.

Graph shape::

    (:Person {person_id})-[:ROLE {role_id, type, since, until, source, record_id}]->
        (:Enterprise {credit_code})
    (:Sanction {sanction_id, subject_kind, subject_id, ...})-[:AGAINST]->(subject)
    (:SourceRecord {key, source, record_id, kind, raw, entity_key})
    (:Person)-[:RESTRICTED_BY {measure, role_id, valid_until}]->(:Sanction)
                                            a derived restriction (a fact); its id
                                            and valid_from follow from its ends
    (:Sanction)-[:HAS_EVENT]->(:SanctionEvent {sanction_id, seq, kind, on, by,
        reason, changes})                   a lifecycle event; changes is JSON text
    (:Sanction:Pending)                     restrictions wait to be derived anew
"""

from __future__ import annotations

from typing import Final, LiteralString

from graph.model import EntityKind

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT person_id IF NOT EXISTS "
    "FOR (p:Person) REQUIRE p.person_id IS UNIQUE",
    "CREATE CONSTRAINT enterprise_code IF NOT EXISTS "
    "FOR (e:Enterprise) REQUIRE e.credit_code IS UNIQUE",
    # enterprises by legacy identifier (ENTERPRISES_BY_LEGACY_ID); the text index
    # finds the organisation code embedded in a credit code (CONTAINS)
    "CREATE INDEX enterprise_org_code IF NOT EXISTS FOR (e:Enterprise) ON (e.org_code)",
    "CREATE INDEX enterprise_registration_no IF NOT EXISTS "
    "FOR (e:Enterprise) ON (e.registration_no)",
    "CREATE TEXT INDEX enterprise_code_text IF NOT EXISTS "
    "FOR (e:Enterprise) ON (e.credit_code)",
    "CREATE CONSTRAINT sanction_id IF NOT EXISTS "
    "FOR (s:Sanction) REQUIRE s.sanction_id IS UNIQUE",
    "CREATE CONSTRAINT source_record_key IF NOT EXISTS "
    "FOR (r:SourceRecord) REQUIRE r.key IS UNIQUE",
    "CREATE INDEX source_record_entity IF NOT EXISTS "
    "FOR (r:SourceRecord) ON (r.entity_key)",
    # the records of a kind streamed in (source, record_id) order from the index
    # (SOURCE_RECORDS_OF_KIND): sorting them instead holds every record in the
    # transaction's memory (1.7M person records overran a 4 GiB heap)
    "CREATE INDEX source_record_order IF NOT EXISTS "
    "FOR (r:SourceRecord) ON (r.kind, r.source, r.record_id)",
    "CREATE INDEX role_id IF NOT EXISTS FOR ()-[r:ROLE]-() ON (r.role_id)",
    "CREATE INDEX sanction_subject IF NOT EXISTS "
    "FOR (s:Sanction) ON (s.subject_kind, s.subject_id)",
    # good records (graph.incentives): one node per commendation, by its subject
    "CREATE CONSTRAINT commendation_id IF NOT EXISTS "
    "FOR (c:Commendation) REQUIRE c.commendation_id IS UNIQUE",
    "CREATE INDEX commendation_subject IF NOT EXISTS "
    "FOR (c:Commendation) ON (c.subject_kind, c.subject_id)",
    # facts no longer store their id (derived from their ends): the index of the
    # stores that did goes
    "DROP INDEX restriction_id IF EXISTS",
    "CREATE CONSTRAINT sanction_event_key IF NOT EXISTS "
    "FOR (e:SanctionEvent) REQUIRE (e.sanction_id, e.seq) IS UNIQUE",
    # -- linkage
    "CREATE CONSTRAINT judgement_id IF NOT EXISTS "
    "FOR (j:Judgement) REQUIRE j.judgement_id IS UNIQUE",
    "CREATE INDEX candidate_record IF NOT EXISTS FOR (c:Candidate) ON (c.record_key)",
    "CREATE INDEX conflict_person IF NOT EXISTS FOR (c:Conflict) ON (c.person_id)",
    "CREATE CONSTRAINT record_link_key IF NOT EXISTS "
    "FOR (l:RecordLink) REQUIRE l.key IS UNIQUE",
    "CREATE INDEX record_link_entity IF NOT EXISTS FOR (l:RecordLink) ON (l.entity)",
    "CREATE INDEX record_link_number IF NOT EXISTS FOR (l:RecordLink) ON (l.number)",
    "CREATE INDEX record_link_text IF NOT EXISTS FOR (l:RecordLink) ON (l.text)",
    "CREATE INDEX record_link_sound IF NOT EXISTS FOR (l:RecordLink) ON (l.sound)",
    "CREATE INDEX record_link_birth IF NOT EXISTS FOR (l:RecordLink) ON (l.birth)",
    "CREATE INDEX record_link_born IF NOT EXISTS FOR (l:RecordLink) ON (l.born)",
    "CREATE CONSTRAINT link_lease_name IF NOT EXISTS "
    "FOR (l:LinkLease) REQUIRE l.name IS UNIQUE",
    "CREATE INDEX role_provenance IF NOT EXISTS "
    "FOR ()-[r:ROLE]-() ON (r.source, r.record_id)",
    # -- access
    "CREATE CONSTRAINT api_key_id IF NOT EXISTS "
    "FOR (k:ApiKey) REQUIRE k.key_id IS UNIQUE",
    "CREATE CONSTRAINT audit_checkpoint_key IF NOT EXISTS "
    "FOR (c:AuditCheckpoint) REQUIRE (c.log_id, c.seq) IS UNIQUE",
    # -- explorer cases
    "CREATE CONSTRAINT case_key IF NOT EXISTS "
    "FOR (c:Case) REQUIRE (c.owner, c.name) IS UNIQUE",
    # -- search (graph.search): each element of search_keys is one term (keyword
    # analyzer), looked up whole by SEARCH_* below
    "CREATE FULLTEXT INDEX person_search IF NOT EXISTS "
    "FOR (p:Person) ON EACH [p.search_keys] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    "CREATE FULLTEXT INDEX enterprise_search IF NOT EXISTS "
    "FOR (e:Enterprise) ON EACH [e.search_keys] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    # the outbox (graph.outbox): events by seq and id, the last of a restriction
    "CREATE CONSTRAINT outbox_seq IF NOT EXISTS "
    "FOR (e:OutboxEvent) REQUIRE e.seq IS UNIQUE",
    "CREATE CONSTRAINT outbox_event_id IF NOT EXISTS "
    "FOR (e:OutboxEvent) REQUIRE e.event_id IS UNIQUE",
    "CREATE INDEX outbox_restriction IF NOT EXISTS "
    "FOR (e:OutboxEvent) ON (e.restriction_id)",
    "CREATE CONSTRAINT outbox_counter IF NOT EXISTS "
    "FOR (c:OutboxCounter) REQUIRE c.name IS UNIQUE",
    "CREATE CONSTRAINT subscription_key IF NOT EXISTS "
    "FOR (s:Subscription) REQUIRE s.key_id IS UNIQUE",
    "CREATE CONSTRAINT feedback_key IF NOT EXISTS "
    "FOR (f:Feedback) REQUIRE (f.event_id, f.key_id) IS UNIQUE",
    "CREATE CONSTRAINT webhook_key IF NOT EXISTS "
    "FOR (w:Webhook) REQUIRE w.key_id IS UNIQUE",
    "CREATE CONSTRAINT delivery_key IF NOT EXISTS "
    "FOR (d:Delivery) REQUIRE (d.key_id, d.seq) IS UNIQUE",
    "CREATE CONSTRAINT authorisation_id IF NOT EXISTS "
    "FOR (a:Authorisation) REQUIRE a.authorisation_id IS UNIQUE",
    "CREATE INDEX authorisation_person IF NOT EXISTS "
    "FOR (a:Authorisation) ON (a.person_id)",
    "CREATE CONSTRAINT person_request_id IF NOT EXISTS "
    "FOR (r:PersonRequest) REQUIRE r.request_id IS UNIQUE",
    "CREATE INDEX person_request_person IF NOT EXISTS "
    "FOR (r:PersonRequest) ON (r.person_id)",
)

# -- writes --------------------------------------------------------------------

MERGE_PERSONS: Final[LiteralString] = """
// $rows: [{person_id, name, names, birth_date, sex, search_keys}]; returns nothing.
// search_keys (linkage.search_keys.person_keys of the row's names) join those held:
// the keys of several names are the union of each name's.
// The first non-empty name seen stays the name; other names become aliases.
// An empty name is "unknown": it never displaces a real one nor becomes an alias.
UNWIND $rows AS row
MERGE (p:Person {person_id: row.person_id})
ON CREATE SET p.name = '', p.aliases = []
WITH p, row
SET p.name = CASE WHEN p.name = '' THEN row.name ELSE p.name END
WITH p, row
SET p.birth_date = coalesce(p.birth_date, row.birth_date),
    p.sex = coalesce(p.sex, row.sex),
    // coalesce: a bulk import (loaders.bulk) cannot write an empty list
    p.aliases = coalesce(p.aliases, [])
        + [a IN row.names
           WHERE a <> '' AND a <> p.name AND NOT a IN coalesce(p.aliases, [])],
    p.search_keys = coalesce(p.search_keys, [])
        + [k IN row.search_keys WHERE NOT k IN coalesce(p.search_keys, [])]
WITH DISTINCT p
// a name that arrived as an alias before it became the name is no alias
SET p.aliases = [a IN p.aliases WHERE a <> p.name]
"""

MERGE_ENTERPRISES: Final[LiteralString] = """
// $rows: [{credit_code, name, status, founded_on, conforming, org_code,
//          registration_no, search_keys}]; returns nothing. Empty values never erase
// known ones; the search keys are those of the name (kept with an empty name).
UNWIND $rows AS row
MERGE (e:Enterprise {credit_code: row.credit_code})
ON CREATE SET e.name = ''
SET e.search_keys = CASE WHEN row.name <> '' THEN row.search_keys
                         ELSE coalesce(e.search_keys, []) END,
    e.name = CASE WHEN row.name <> '' THEN row.name ELSE e.name END,
    e.status = coalesce(row.status, e.status),
    e.founded_on = coalesce(row.founded_on, e.founded_on),
    e.conforming = row.conforming,
    e.org_code = coalesce(row.org_code, e.org_code),
    e.registration_no = coalesce(row.registration_no, e.registration_no)
"""

MISSING_PERSONS: Final[LiteralString] = """
// $keys: [person_id]; returns key for each person_id with no Person.
UNWIND $keys AS key
OPTIONAL MATCH (p:Person {person_id: key})
WITH key, p WHERE p IS NULL
RETURN key
"""

MISSING_ENTERPRISES: Final[LiteralString] = """
// $keys: [credit_code]; returns key for each credit_code with no Enterprise.
UNWIND $keys AS key
OPTIONAL MATCH (e:Enterprise {credit_code: key})
WITH key, e WHERE e IS NULL
RETURN key
"""

EXISTING_KEYS_OF: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: """
// $keys: [person_id]; returns key for each that names a Person.
UNWIND $keys AS key
MATCH (p:Person {person_id: key})
RETURN key
""",
    EntityKind.ENTERPRISE: """
// $keys: [credit_code]; returns key for each that names an Enterprise.
UNWIND $keys AS key
MATCH (e:Enterprise {credit_code: key})
RETURN key
""",
}

ENTERPRISES_BY_LEGACY_ID: Final[LiteralString] = """
// $ids: [canonical organisation code or registration number]; returns id,
// credit_code for each enterprise claiming id: as its org_code, as its
// registration_no, or as the organisation code embedded in its credit code
// (characters 9-17; a 9-character id only, found through enterprise_code_text).
UNWIND $ids AS id
CALL (id) {
  MATCH (e:Enterprise {org_code: id}) RETURN e
  UNION
  MATCH (e:Enterprise {registration_no: id}) RETURN e
  UNION
  MATCH (e:Enterprise)
  WHERE size(id) = 9 AND e.credit_code CONTAINS id
    AND substring(e.credit_code, 8, 9) = id
  RETURN e
}
RETURN id, e.credit_code AS credit_code
"""

MERGE_ROLES: Final[LiteralString] = """
// $rows: [{role_id, person_id, credit_code, type, since, until, source, record_id}];
// returns nothing. Endpoints must exist (checked first by the caller's transaction).
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MATCH (e:Enterprise {credit_code: row.credit_code})
MERGE (p)-[r:ROLE {role_id: row.role_id}]->(e)
SET r.type = row.type, r.since = row.since, r.until = row.until,
    r.source = row.source, r.record_id = row.record_id
"""

# One statement per subject kind: it checks every subject of the batch ($keys) and
# writes nothing unless all exist, so a one-sanction write is one round trip.
_MERGE_SANCTIONS_HEAD: Final[LiteralString] = """
// $keys: every subject key of the batch; $rows: [{sanction_id, subject_kind,
// subject_id, type, authority, decision_no, decided_on, violation_date,
// display_until, status}]; returns missing (the keys that name no subject, one row).
UNWIND $keys AS key
"""

_MERGE_SANCTIONS_BODY: Final[LiteralString] = """
WITH collect(CASE WHEN t IS NULL THEN key END) AS missing
CALL (missing) {
  UNWIND CASE WHEN size(missing) = 0 THEN $rows ELSE [] END AS row
  MERGE (s:Sanction {sanction_id: row.sanction_id})
  SET s.subject_kind = row.subject_kind, s.subject_id = row.subject_id,
      s.type = row.type, s.authority = row.authority,
      s.decision_no = row.decision_no, s.decided_on = row.decided_on,
      s.violation_date = row.violation_date, s.display_until = row.display_until,
      s.status = row.status
  SET s:Pending // propagation: its restrictions must be derived anew
  WITH s, row
"""

_MERGE_SANCTIONS_TAIL: Final[LiteralString] = """
  // a moved sanction leaves its old subject; an unchanged one keeps its edge
  OPTIONAL MATCH (s)-[old:AGAINST]->(other) WHERE other <> t
  DELETE old
  WITH DISTINCT s, t
  MERGE (s)-[:AGAINST]->(t)
}
RETURN missing
"""

MERGE_SANCTIONS_ON: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: _MERGE_SANCTIONS_HEAD
    + "OPTIONAL MATCH (t:Person {person_id: key})"
    + _MERGE_SANCTIONS_BODY
    + "  MATCH (t:Person {person_id: row.subject_id})"
    + _MERGE_SANCTIONS_TAIL,
    EntityKind.ENTERPRISE: _MERGE_SANCTIONS_HEAD
    + "OPTIONAL MATCH (t:Enterprise {credit_code: key})"
    + _MERGE_SANCTIONS_BODY
    + "  MATCH (t:Enterprise {credit_code: row.subject_id})"
    + _MERGE_SANCTIONS_TAIL,
}

# One statement per subject kind, as for sanctions: nothing is written unless every
# subject of the batch exists. A commendation has no edge (it is found by its
# subject's kind and key, as DELETE_BARE_PERSONS does) and derives no restriction.
_MERGE_COMMENDATIONS_HEAD: Final[LiteralString] = """
// $keys: every subject key of the batch; $rows: [{commendation_id, subject_kind,
// subject_id, kind, authority, decided_on, valid_until, source, record_id}];
// returns missing (the keys that name no subject, one row).
UNWIND $keys AS key
"""

_MERGE_COMMENDATIONS_BODY: Final[LiteralString] = """
WITH collect(CASE WHEN t IS NULL THEN key END) AS missing
CALL (missing) {
  UNWIND CASE WHEN size(missing) = 0 THEN $rows ELSE [] END AS row
  MERGE (c:Commendation {commendation_id: row.commendation_id})
  SET c.subject_kind = row.subject_kind, c.subject_id = row.subject_id,
      c.kind = row.kind, c.authority = row.authority,
      c.decided_on = row.decided_on, c.valid_until = row.valid_until,
      c.source = row.source, c.record_id = row.record_id
}
RETURN missing
"""

MERGE_COMMENDATIONS_ON: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: _MERGE_COMMENDATIONS_HEAD
    + "OPTIONAL MATCH (t:Person {person_id: key})"
    + _MERGE_COMMENDATIONS_BODY,
    EntityKind.ENTERPRISE: _MERGE_COMMENDATIONS_HEAD
    + "OPTIONAL MATCH (t:Enterprise {credit_code: key})"
    + _MERGE_COMMENDATIONS_BODY,
}

MERGE_SOURCE_RECORDS: Final[LiteralString] = """
// $rows: [{key, source, record_id, kind, raw, entity_key}]; returns nothing.
// raw is the JSON text of the row as read. The link state of a person record turns
// pending and its revision rises (linkage: see RECORD_LINKS; the SET reads l.rev
// on its right-hand side, so Cypher write-locks l before reading it).
UNWIND $rows AS row
MERGE (r:SourceRecord {key: row.key})
SET r.source = row.source, r.record_id = row.record_id, r.kind = row.kind,
    r.raw = row.raw, r.entity_key = row.entity_key
WITH row WHERE row.kind = 'person'
MERGE (l:RecordLink {key: row.key})
SET l:LinkPending, l.rev = coalesce(l.rev, 0) + 1
"""

WIPE: Final[LiteralString] = """
// no parameters; deletes every node and relationship in batches (auto-commit only).
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""

# -- reads ---------------------------------------------------------------------

GET_PERSON: Final[LiteralString] = """
// $person_id; returns person_id, name, birth_date, sex, aliases (0 or 1 row).
MATCH (p:Person {person_id: $person_id})
RETURN p.person_id AS person_id, p.name AS name, p.birth_date AS birth_date,
       p.sex AS sex, p.aliases AS aliases
"""

GET_ENTERPRISE: Final[LiteralString] = """
// $credit_code; returns the enterprise's properties (0 or 1 row).
MATCH (e:Enterprise {credit_code: $credit_code})
RETURN e.credit_code AS credit_code, e.name AS name, e.status AS status,
       e.founded_on AS founded_on, e.conforming AS conforming,
       e.org_code AS org_code, e.registration_no AS registration_no
"""

_SANCTION_COLUMNS: Final[LiteralString] = """
RETURN s.sanction_id AS sanction_id, s.subject_kind AS subject_kind,
       s.subject_id AS subject_id, s.type AS type, s.authority AS authority,
       s.decision_no AS decision_no, s.decided_on AS decided_on,
       s.violation_date AS violation_date, s.display_until AS display_until,
       s.status AS status
"""

GET_SANCTION: Final[LiteralString] = (
    """
// $sanction_id; returns the sanction's properties (0 or 1 row).
MATCH (s:Sanction {sanction_id: $sanction_id})
"""
    + _SANCTION_COLUMNS
)

SANCTIONS_AGAINST: Final[LiteralString] = (
    """
// $subject_kind, $subject_id; returns the sanction columns, ordered by id.
MATCH (s:Sanction {subject_kind: $subject_kind, subject_id: $subject_id})
"""
    + _SANCTION_COLUMNS
    + "ORDER BY sanction_id"
)

_COMMENDATION_COLUMNS: Final[LiteralString] = """
RETURN c.commendation_id AS commendation_id, c.subject_kind AS subject_kind,
       c.subject_id AS subject_id, c.kind AS kind, c.authority AS authority,
       c.decided_on AS decided_on, c.valid_until AS valid_until,
       c.source AS source, c.record_id AS record_id
"""

COMMENDATIONS_OF: Final[LiteralString] = (
    """
// $subject_kind, $subject_id; returns the commendation columns, ordered by id.
MATCH (c:Commendation {subject_kind: $subject_kind, subject_id: $subject_id})
"""
    + _COMMENDATION_COLUMNS
    + "ORDER BY commendation_id"
)

PAGE_COMMENDATIONS: Final[LiteralString] = (
    """
// $after, $limit; returns the commendation columns by commendation_id.
MATCH (c:Commendation) WHERE c.commendation_id > $after
"""
    + _COMMENDATION_COLUMNS
    + """
ORDER BY commendation_id
LIMIT $limit
"""
)

_SOURCE_RECORD_COLUMNS: Final[LiteralString] = """
RETURN r.source AS source, r.record_id AS record_id, r.kind AS kind,
       r.raw AS raw, r.entity_key AS entity_key
"""

GET_SOURCE_RECORD: Final[LiteralString] = (
    """
// $key (source#record_id); returns the record's properties (0 or 1 row).
MATCH (r:SourceRecord {key: $key})
"""
    + _SOURCE_RECORD_COLUMNS
)

SOURCE_RECORDS_OF: Final[LiteralString] = (
    """
// $kind, $entity_key; returns the record columns, ordered by key.
MATCH (r:SourceRecord {entity_key: $entity_key})
WHERE r.kind = $kind
"""
    + _SOURCE_RECORD_COLUMNS
    + "ORDER BY r.key"
)

_ROLE_HELD_ON: Final[LiteralString] = """
WHERE $on IS NULL
   OR ((r.since IS NULL OR r.since <= $on) AND (r.until IS NULL OR $on < r.until))
RETURN p.person_id AS person_id, e.credit_code AS credit_code, r.type AS type,
       r.since AS since, r.until AS until, r.source AS source,
       r.record_id AS record_id
ORDER BY r.role_id
"""

NEIGHBOURS_OF: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: """
// $key (person_id), $on (date or null); returns role columns held on $on.
MATCH (p:Person {person_id: $key})-[r:ROLE]->(e:Enterprise)
"""
    + _ROLE_HELD_ON,
    EntityKind.ENTERPRISE: """
// $key (credit_code), $on (date or null); returns role columns held on $on.
MATCH (p:Person)-[r:ROLE]->(e:Enterprise {credit_code: $key})
"""
    + _ROLE_HELD_ON,
}

COUNT_PERSONS: Final[LiteralString] = "MATCH (n:Person) RETURN count(n) AS n"
COUNT_ENTERPRISES: Final[LiteralString] = "MATCH (n:Enterprise) RETURN count(n) AS n"
COUNT_SANCTIONS: Final[LiteralString] = "MATCH (n:Sanction) RETURN count(n) AS n"
COUNT_COMMENDATIONS: Final[LiteralString] = (
    "MATCH (n:Commendation) RETURN count(n) AS n"
)
COUNT_SOURCE_RECORDS: Final[LiteralString] = (
    "MATCH (n:SourceRecord) RETURN count(n) AS n"
)
COUNT_ROLES: Final[LiteralString] = "MATCH ()-[r:ROLE]->() RETURN count(r) AS n"

PING: Final[LiteralString] = "RETURN 1 AS n"

# -- exploration ---------------------------------------------------------------
# Every shortest path between two entities through roles held on $on. A quantified
# relationship's bound is part of the query text, never a parameter: {0,12} is
# graph.model.CONNECTION_MAX_HOPS (a unit test holds them equal), and $max_hops cuts
# below it. Length 0 is the path of an entity to itself.

_CONNECTIONS_HEAD: Final[LiteralString] = """
// $a, $b: keys of the two ends (labels by kind: the key of CONNECTIONS);
// $on: date or null (all roles); $max_hops: 0..12; $limit: >= 1.
// Returns one row: a_found, b_found (bools), paths: the first $limit shortest
// paths by (keys, role ids), each {kinds: ['person'|'enterprise'], keys: [key],
// roles: [{person_id, credit_code, type, since, until, source, record_id}]}.
"""
_CONNECTIONS_FROM: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: "OPTIONAL MATCH (s:Person {person_id: $a})\n",
    EntityKind.ENTERPRISE: "OPTIONAL MATCH (s:Enterprise {credit_code: $a})\n",
}
_CONNECTIONS_TO: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: "OPTIONAL MATCH (t:Person {person_id: $b})\n",
    EntityKind.ENTERPRISE: "OPTIONAL MATCH (t:Enterprise {credit_code: $b})\n",
}
_CONNECTIONS_PATHS: Final[LiteralString] = """
CALL (s, t) {
  WITH s, t WHERE s IS NOT NULL AND t IS NOT NULL
  MATCH p = ALL SHORTEST (s)-[r:ROLE WHERE $on IS NULL
      OR ((r.since IS NULL OR r.since <= $on) AND (r.until IS NULL OR $on < r.until))
    ]-{0,12}(t)
  WHERE length(p) <= $max_hops
  WITH p, [n IN nodes(p) | coalesce(n.person_id, n.credit_code)] AS keys,
       [x IN relationships(p) | x.role_id] AS role_ids
  ORDER BY keys, role_ids
  LIMIT $limit
  RETURN collect({
    kinds: [n IN nodes(p) | CASE WHEN n:Person THEN 'person' ELSE 'enterprise' END],
    keys: keys,
    roles: [x IN relationships(p) | {
      person_id: startNode(x).person_id, credit_code: endNode(x).credit_code,
      type: x.type, since: x.since, until: x.until, source: x.source,
      record_id: x.record_id}]
  }) AS paths
}
RETURN s IS NOT NULL AS a_found, t IS NOT NULL AS b_found, paths
"""


def _connections(a: EntityKind, b: EntityKind) -> LiteralString:
    return (
        _CONNECTIONS_HEAD
        + _CONNECTIONS_FROM[a]
        + _CONNECTIONS_TO[b]
        + (_CONNECTIONS_PATHS)
    )


CONNECTIONS: Final[dict[tuple[EntityKind, EntityKind], LiteralString]] = {
    (a, b): _connections(a, b) for a in EntityKind for b in EntityKind
}

# -- propagation ---------------------------------------------------------------
# Restrictions are facts (:Person)-[:RESTRICTED_BY]->(:Sanction); explanations are
# rebuilt in Python (graph.propagation.build_restriction), never in Cypher. The
# window and validity predicates restate docs/policy.md ("For store implementers").

MARK_PENDING: Final[LiteralString] = """
// $ids: [sanction_id]; returns nothing. Their restrictions must be derived anew.
UNWIND $ids AS id
MATCH (s:Sanction {sanction_id: id})
SET s:Pending
"""

MARK_PENDING_FOR_ENTERPRISES: Final[LiteralString] = """
// $codes: [credit_code]; returns nothing. Marks pending every sanction against them
// (a role of theirs was written, moved or deleted).
UNWIND $codes AS code
MATCH (s:Sanction {subject_kind: 'enterprise', subject_id: code})
SET s:Pending
"""

PENDING_SANCTIONS: Final[LiteralString] = """
// no parameters; returns sanction_id of each pending sanction, ordered.
MATCH (s:Sanction:Pending)
RETURN s.sanction_id AS sanction_id
ORDER BY sanction_id
"""

SET_ASIDE_SANCTIONS: Final[LiteralString] = """
// no parameters; returns sanction_id, error of each set-aside sanction, ordered.
MATCH (s:Sanction:SetAside)
RETURN s.sanction_id AS sanction_id, s.derive_error AS error
ORDER BY sanction_id
"""

SET_SANCTION_STATUS: Final[LiteralString] = """
// $sanction_id, $status; returns nothing. A status change derives nothing anew.
MATCH (s:Sanction {sanction_id: $sanction_id})
SET s.status = $status
"""

# The derivation of one sanction `s` (PROPAGATE_ALL and PROPAGATE_PENDING run it
# for many): take its write lock (REMOVE :Pending) so that concurrent runs serialise,
# derive its facts (one per reached role or direct subject and measure, with a
# non-empty validity), and write only the difference from the facts it holds:
# create the new, update changed dates, delete the stale. Sanctions of a type the
# catalogue lacks are left as they are and named in `skipped`; those with a date the
# derivation cannot compute are set aside (:SetAside, derive_error = $dates_error;
# $first_day, $last_day: the range of a date) and listed in `set_aside`, [id, error]
# pairs. The catalogue comes in as $types, keyed by type:
#   {time_rule, window_months, displays: [{from, months}] (display by rule version,
#    in order of start; the last starting on or before s.decided_on applies),
#    roles: [liable role],
#    measures: [{measure, roles, lasts_months (null: while displayed)}],
#    direct: [{measure, lasts_months}]};  $known = keys($types).
_DERIVE_ONE: Final[LiteralString] = """
CALL (s) {
  REMOVE s:Pending
  WITH s, $types[s.type] AS t
  WITH s, t,
       CASE t.time_rule
         WHEN 'at_violation' THEN coalesce(s.violation_date, s.decided_on)
         WHEN 'at_decision' THEN s.decided_on
         ELSE s.decided_on - duration({months: t.window_months})
       END AS first,
       CASE t.time_rule
         WHEN 'at_violation' THEN coalesce(s.violation_date, s.decided_on)
         ELSE s.decided_on
       END AS last,
       coalesce(s.display_until,
                s.decided_on + duration({months: last(
                  [v IN t.displays WHERE v.from IS NULL OR v.from <= s.decided_on
                   | v.months])})) AS shown_until
  // set aside (graph.propagation.derivation_problem): a date the derivation may
  // compute falls outside what a date holds; its facts stay as they are
  WITH s, t, first, last, shown_until,
       any(d IN [first, last, shown_until] + [
             m IN CASE s.subject_kind WHEN 'person' THEN t.direct ELSE t.measures END
             WHERE m.lasts_months IS NOT NULL
             | s.decided_on + duration({months: m.lasts_months})]
           WHERE d < $first_day OR d > $last_day) AS beyond
  FOREACH (_ IN CASE WHEN beyond THEN [1] ELSE [] END |
    SET s:SetAside, s.derive_error = $dates_error)
  FOREACH (_ IN CASE WHEN beyond THEN [] ELSE [1] END |
    REMOVE s:SetAside, s.derive_error)
  // who is reached: [person, role type, role_id]; ROLE runs from a Person to an
  // Enterprise only, so no label checks; a person subject has no role (null)
  WITH s, t, shown_until, beyond,
       CASE WHEN beyond THEN [] ELSE
       [(s)-[:AGAINST]->(:Enterprise)<-[r:ROLE]-(p)
          WHERE r.type IN t.roles
            AND (r.since IS NULL OR r.since <= last)
            AND (r.until IS NULL OR r.until > first)
            AND NOT (r.since IS NOT NULL AND r.until IS NOT NULL
                     AND r.since >= r.until)
          | [p, r.type, r.role_id]]
       + [(s)-[:AGAINST]->(q:Person) | [q, null, null]] END AS hits
  // one fact per (hit, measure reaching it) with a non-empty validity
  WITH s, beyond, reduce(found = [], hit IN hits | found + [
         m IN CASE WHEN hit[1] IS NULL THEN t.direct ELSE t.measures END
         WHERE hit[1] IS NULL OR hit[1] IN m.roles
         | {p: hit[0], role_id: hit[2], measure: m.measure,
            valid_until: CASE
              WHEN m.lasts_months IS NULL THEN shown_until
              ELSE s.decided_on + duration({months: m.lasts_months})
            END}]) AS derived
  // a fact is known by (person, measure, role) within its sanction
  WITH s,
       [f IN derived WHERE f.valid_until > s.decided_on
        | f {.*, key: f.p.person_id + '|' + f.measure + '|'
                      + coalesce(f.role_id, 'direct')}] AS fresh,
       CASE WHEN beyond THEN [] ELSE [(s)<-[x:RESTRICTED_BY]-(h)
        | {x: x, until: x.valid_until, person_id: h.person_id, measure: x.measure,
           role_id: x.role_id,
           key: h.person_id + '|' + x.measure + '|'
                + coalesce(x.role_id, 'direct')}] END
       AS held
  WITH s, fresh, held, [f IN fresh | f.key] AS fresh_keys,
       [h IN held | h.key] AS held_keys
  // write the difference only
  WITH s, fresh,
       [f IN fresh WHERE NOT f.key IN held_keys] AS created,
       [h IN held WHERE NOT h.key IN fresh_keys] AS gone,
       reduce(c = [], h IN held | c + [f IN fresh
         WHERE f.key = h.key AND h.until <> f.valid_until
         | {x: h.x, until: f.valid_until, key: h.key, was: h.until}]) AS changed
  FOREACH (c IN changed | FOREACH (x IN [c.x] | SET x.valid_until = c.until))
  FOREACH (f IN created |
    FOREACH (p IN [f.p] |
      CREATE (p)-[:RESTRICTED_BY {
        measure: f.measure, role_id: f.role_id, valid_until: f.valid_until
      }]->(s)))
  FOREACH (h IN gone | DELETE h.x)
  // the difference, for the outbox events (graph.outbox.diff_events): keys of
  // the facts created and changed (with the dates they had), facts removed
  RETURN size(created) + size(changed) AS written, size(gone) AS removed,
         {sanction_id: s.sanction_id,
          created: [f IN created | f.key],
          changed: [c IN changed | {key: c.key, was: c.was}],
          stale: [h IN gone | {key: h.key, person_id: h.person_id,
                               measure: h.measure, role_id: h.role_id,
                               valid_until: h.until}],
          valid_from: s.decided_on} AS diff
}"""

_TOTALS: Final[LiteralString] = """
WITH count(*) AS sanctions, coalesce(sum(written), 0) AS written,
     coalesce(sum(removed), 0) AS removed,
     collect(CASE WHEN size(diff.created) + size(diff.changed) + size(diff.stale) > 0
                  THEN diff END) AS diffs
RETURN sanctions, written, removed, diffs, COLLECT {
"""

_SKIPPED: Final[LiteralString] = """
WHERE NOT u.type IN $known
RETURN u.sanction_id AS id ORDER BY id LIMIT 100 } AS skipped, COLLECT {
MATCH (a:Sanction:SetAside)
RETURN [a.sanction_id, a.derive_error] AS pair ORDER BY pair LIMIT 100 } AS set_aside
"""

PROPAGATE_ALL: Final[LiteralString] = (
    """
// Every sanction, in auto-commit batches of $batch sanctions run by $threads
// concurrent transactions (CALL ... IN CONCURRENT TRANSACTIONS). Each sanction's
// facts are its own, so batches never write the same fact; they may lock the same
// person, and a batch that loses a deadlock is rolled back and named in `failed`
// (its sanctions stay as they were; the caller derives them again, serially).
// $types, $known (above), $batch, $threads; returns sanctions (of a known type),
// written (facts created or changed), removed (stale facts), failed (sanction ids
// of rolled-back batches), skipped, set_aside (one row). A sanction whose type has
// no measure for its kind of subject, that holds no fact and is not pending has
// nothing to derive: it is counted, not visited.
MATCH (s:Sanction)
WHERE s.type IN $known
  AND (s:Pending
       OR size(CASE s.subject_kind
                 WHEN 'person' THEN $types[s.type].direct
                 ELSE $types[s.type].measures
               END) > 0
       OR EXISTS { (s)<-[:RESTRICTED_BY]-() })
"""
    + _DERIVE_ONE
    + """ IN $threads CONCURRENT TRANSACTIONS OF $batch ROWS
  ON ERROR CONTINUE REPORT STATUS AS status
WITH coalesce(sum(written), 0) AS written, coalesce(sum(removed), 0) AS removed,
     collect(CASE WHEN NOT status.committed THEN s.sanction_id END) AS failed
RETURN COUNT { MATCH (a:Sanction) WHERE a.type IN $known } AS sanctions,
       written, removed, failed, COLLECT {
MATCH (u:Sanction)"""
    + _SKIPPED
)

PROPAGATE_PENDING: Final[LiteralString] = (
    """
// At most $batch pending sanctions, in the caller's (managed, retried) transaction;
// the caller runs it again while it derived $batch. $types, $known (above),
// $batch; returns sanctions, written, removed, diffs ([{sanction_id, created:
// [key], changed: [{key, was}], stale: [{key, person_id, measure, role_id,
// valid_until}], valid_from}], keys within the sanction), skipped, set_aside
// (one row).
MATCH (s:Sanction:Pending)
WHERE s.type IN $known
WITH s
LIMIT $batch
"""
    + _DERIVE_ONE
    + _TOTALS
    + "MATCH (u:Sanction:Pending)"
    + _SKIPPED
)

_FACT_COLUMNS: Final[LiteralString] = """
WHERE $on IS NULL OR (s.decided_on <= $on AND $on < x.valid_until)
RETURN s.sanction_id + '|' + p.person_id + '|' + x.measure + '|'
         + coalesce(x.role_id, 'direct') AS restriction_id,
       s.sanction_id AS sanction_id, p.person_id AS person_id,
       x.measure AS measure, x.role_id AS role_id,
       s.decided_on AS valid_from, x.valid_until AS valid_until
ORDER BY restriction_id
"""

RESTRICTION_FACTS_OF_PERSON: Final[LiteralString] = (
    """
// $person_id, $on (date or null); returns the fact columns valid on $on, ordered.
MATCH (p:Person {person_id: $person_id})-[x:RESTRICTED_BY]->(s:Sanction)
"""
    + _FACT_COLUMNS
)

RESTRICTION_FACTS_OF_SANCTION: Final[LiteralString] = (
    """
// $sanction_id, $on (date or null); returns the fact columns valid on $on, ordered.
MATCH (p:Person)-[x:RESTRICTED_BY]->(s:Sanction {sanction_id: $sanction_id})
"""
    + _FACT_COLUMNS
)

ALL_RESTRICTION_FACTS: Final[LiteralString] = (
    """
// $on (date or null); returns the fact columns valid on $on, ordered.
MATCH (p:Person)-[x:RESTRICTED_BY]->(s:Sanction)
"""
    + _FACT_COLUMNS
)

ROLES_BY_ID: Final[LiteralString] = """
// $ids: [role_id]; returns role columns of those that exist, ordered by role_id.
UNWIND $ids AS id
MATCH (p:Person)-[r:ROLE {role_id: id}]->(e:Enterprise)
RETURN p.person_id AS person_id, e.credit_code AS credit_code, r.type AS type,
       r.since AS since, r.until AS until, r.source AS source,
       r.record_id AS record_id
ORDER BY r.role_id
"""

CREATE_SANCTION_EVENT: Final[LiteralString] = """
// $sanction_id, $seq, $kind, $on, $by, $reason, $changes (JSON text); returns
// created: 1, or 0 when the sanction is missing or already has an event of $seq
// (the (sanction_id, seq) constraint also refuses it under a race).
MATCH (s:Sanction {sanction_id: $sanction_id})
OPTIONAL MATCH (old:SanctionEvent {sanction_id: $sanction_id, seq: $seq})
WITH s, old
WHERE old IS NULL
CREATE (s)-[:HAS_EVENT]->(:SanctionEvent {
  sanction_id: $sanction_id, seq: $seq, kind: $kind, on: $on, by: $by,
  reason: $reason, changes: $changes
})
RETURN count(*) AS created
"""

SANCTION_EVENTS: Final[LiteralString] = """
// $sanction_id; returns seq, kind, on, by, reason, changes ordered by (on, seq).
MATCH (:Sanction {sanction_id: $sanction_id})-[:HAS_EVENT]->(e:SanctionEvent)
RETURN e.seq AS seq, e.kind AS kind, e.on AS on, e.by AS by, e.reason AS reason,
       e.changes AS changes
ORDER BY on, seq
"""

# -- linkage -------------------------------------------------------------------
# (:Judgement {judgement_id, a, b, verdict, by, at, reason, undone_at, undone_by}),
# (:Candidate {record_key, rank, target, score, rule, reasons}) and
# (:Conflict {person_id, record_key, kind, detail}) stand alone: they name records
# and persons by key. Times are ISO 8601 text, as in the embedded store.

SOURCE_RECORDS_OF_KIND: Final[LiteralString] = (
    """
// $kind, $unresolved_only; returns the record columns ordered by (source, record_id),
// read in that order from the source_record_order index (no Sort: constant memory
// whatever the number of records).
MATCH (r:SourceRecord)
USING INDEX SEEK r:SourceRecord(kind, source, record_id)
WHERE r.kind = $kind AND r.source IS NOT NULL AND r.record_id IS NOT NULL
  AND (NOT $unresolved_only OR r.entity_key IS NULL)
"""
    + _SOURCE_RECORD_COLUMNS
    + "ORDER BY r.kind, r.source, r.record_id"
)

SET_ENTITY_KEYS: Final[LiteralString] = """
// $rows: [{key, entity_key}]; returns nothing. Unknown keys are ignored.
UNWIND $rows AS row
MATCH (r:SourceRecord {key: row.key})
SET r.entity_key = row.entity_key
"""

REPLACE_PERSONS: Final[LiteralString] = """
// $rows: [{person_id, name, aliases, birth_date, sex, search_keys}]; returns nothing.
UNWIND $rows AS row
MERGE (p:Person {person_id: row.person_id})
SET p.name = row.name, p.aliases = row.aliases, p.birth_date = row.birth_date,
    p.sex = row.sex, p.search_keys = row.search_keys
"""

DELETE_ROLES: Final[LiteralString] = """
// $ids: [role_id]; returns code: the credit code of each enterprise that lost a role.
UNWIND $ids AS id
MATCH (:Person)-[r:ROLE {role_id: id}]->(e:Enterprise)
WITH r, e.credit_code AS code
DELETE r
RETURN DISTINCT code
"""

DELETE_BARE_PERSONS: Final[LiteralString] = """
// $ids: [person_id]; returns person_id of each person deleted: those without any
// relationship (roles, sanctions, restrictions), without a person source record
// and without a commendation.
UNWIND $ids AS id
MATCH (p:Person {person_id: id})
WHERE NOT (p)--()
  AND NOT EXISTS { MATCH (r:SourceRecord {entity_key: id}) WHERE r.kind = 'person' }
  AND NOT EXISTS {
    MATCH (s:Sanction {subject_kind: 'person', subject_id: id})
  }
  AND NOT EXISTS {
    MATCH (c:Commendation {subject_kind: 'person', subject_id: id})
  }
DELETE p
RETURN id AS person_id
"""

CREATE_JUDGEMENT: Final[LiteralString] = """
// $row: {judgement_id, a, b, verdict, by, at, reason, undone_at, undone_by};
// returns nothing. An id already stored is left as it is.
MERGE (j:Judgement {judgement_id: $row.judgement_id})
ON CREATE SET j.a = $row.a, j.b = $row.b, j.verdict = $row.verdict, j.by = $row.by,
    j.at = $row.at, j.reason = $row.reason, j.undone_at = $row.undone_at,
    j.undone_by = $row.undone_by
"""

_JUDGEMENT_COLUMNS: Final[LiteralString] = """
RETURN j.judgement_id AS judgement_id, j.a AS a, j.b AS b, j.verdict AS verdict,
       j.by AS by, j.at AS at, j.reason AS reason, j.undone_at AS undone_at,
       j.undone_by AS undone_by
"""

UNDO_JUDGEMENT: Final[LiteralString] = (
    """
// $judgement_id, $by, $at; returns the judgement columns (0 rows when unknown).
// The first undo stays.
MATCH (j:Judgement {judgement_id: $judgement_id})
SET j.undone_at = coalesce(j.undone_at, $at), j.undone_by = coalesce(j.undone_by, $by)
"""
    + _JUDGEMENT_COLUMNS
)

JUDGEMENTS: Final[LiteralString] = (
    """
// no parameters; returns the judgement columns ordered by (at, judgement_id).
MATCH (j:Judgement)
"""
    + _JUDGEMENT_COLUMNS
    + "ORDER BY at, judgement_id"
)

DELETE_CANDIDATES_OF: Final[LiteralString] = """
// $keys: [record_key]; returns nothing.
UNWIND $keys AS key
MATCH (c:Candidate {record_key: key})
DELETE c
"""

CREATE_CANDIDATES: Final[LiteralString] = """
// $rows: [{record_key, rank, target, score, rule, reasons}]; returns nothing.
UNWIND $rows AS row
MERGE (c:Candidate {record_key: row.record_key, rank: row.rank})
SET c.target = row.target, c.score = row.score, c.rule = row.rule,
    c.reasons = row.reasons
"""

CANDIDATES: Final[LiteralString] = """
// $record_key (or null for all); returns the candidate columns ordered by
// (record_key, rank).
MATCH (c:Candidate)
WHERE $record_key IS NULL OR c.record_key = $record_key
RETURN c.record_key AS record_key, c.rank AS rank, c.target AS target,
       c.score AS score, c.rule AS rule, c.reasons AS reasons
ORDER BY record_key, rank
"""

DELETE_CONFLICTS_OF: Final[LiteralString] = """
// $ids: [person_id]; returns nothing.
UNWIND $ids AS id
MATCH (c:Conflict {person_id: id})
DELETE c
"""

CREATE_CONFLICTS: Final[LiteralString] = """
// $rows: [{person_id, record_key, kind, detail}]; returns nothing.
UNWIND $rows AS row
MERGE (c:Conflict {person_id: row.person_id, record_key: row.record_key,
                   kind: row.kind})
SET c.detail = row.detail
"""

CONFLICTS: Final[LiteralString] = """
// $person_id (or null for all); returns the conflict columns ordered by
// (person_id, record_key, kind).
MATCH (c:Conflict)
WHERE $person_id IS NULL OR c.person_id = $person_id
RETURN c.person_id AS person_id, c.record_key AS record_key, c.kind AS kind,
       c.detail AS detail
ORDER BY person_id, record_key, kind
"""

# Incremental linking: (:RecordLink {key, entity, number, text, sound, birth, born,
# filed, rev}) is what the last link knew of a person record; :LinkPending marks one
# written or deleted since, and every such mark raises rev (absent: 0).
# (:LinkMeta {name: 'complete'}) exists once a full link ran; (:LinkLease {name:
# 'link', holder, since, expires}) while a link runs.

DELETE_SOURCE_RECORDS: Final[LiteralString] = """
// $rows: [{key, source, record_id}]; returns codes (credit codes of the
// enterprises that lost a role) and entity (the person a deleted person record was
// filed under, or null), one row per key. Deletes the records and the roles they
// stated; the link state of a deleted person record turns pending.
UNWIND $rows AS row
OPTIONAL MATCH (:Person)-[x:ROLE {source: row.source, record_id: row.record_id}]->
               (e:Enterprise)
WITH row, collect(x) AS roles, collect(DISTINCT e.credit_code) AS codes
FOREACH (x IN roles | DELETE x)
WITH row, codes
OPTIONAL MATCH (r:SourceRecord {key: row.key})
WITH row, codes, r, CASE WHEN r.kind = 'person' THEN r.entity_key END AS entity
FOREACH (_ IN CASE WHEN r.kind = 'person' THEN [1] ELSE [] END |
  MERGE (l:RecordLink {key: row.key})
  SET l:LinkPending, l.filed = entity, l.rev = coalesce(l.rev, 0) + 1
)
DETACH DELETE r
RETURN codes, entity
"""

SOURCE_RECORDS_BY_KEY: Final[LiteralString] = (
    """
// $keys: [key]; returns the record columns of those that exist, ordered by key.
UNWIND $keys AS key
MATCH (r:SourceRecord {key: key})
"""
    + _SOURCE_RECORD_COLUMNS
    + "ORDER BY r.key"
)

ROLES_OF_RECORDS: Final[LiteralString] = """
// $rows: [{source, record_id}]; returns the role columns of the roles these
// records stated, ordered by role_id.
UNWIND $rows AS row
MATCH (p:Person)-[r:ROLE {source: row.source, record_id: row.record_id}]->
      (e:Enterprise)
RETURN p.person_id AS person_id, e.credit_code AS credit_code, r.type AS type,
       r.since AS since, r.until AS until, r.source AS source,
       r.record_id AS record_id
ORDER BY r.role_id
"""

GET_PERSONS: Final[LiteralString] = """
// $ids: [person_id]; returns the person columns of those that exist.
UNWIND $ids AS id
MATCH (p:Person {person_id: id})
RETURN p.person_id AS person_id, p.name AS name, p.birth_date AS birth_date,
       p.sex AS sex, p.aliases AS aliases
ORDER BY person_id
"""

CANDIDATES_OF: Final[LiteralString] = """
// $keys: [record_key]; returns the candidate columns ordered by (record_key, rank).
UNWIND $keys AS key
MATCH (c:Candidate {record_key: key})
RETURN c.record_key AS record_key, c.rank AS rank, c.target AS target,
       c.score AS score, c.rule AS rule, c.reasons AS reasons
ORDER BY record_key, rank
"""

CONFLICTS_OF: Final[LiteralString] = """
// $ids: [person_id]; returns the conflict columns ordered by
// (person_id, record_key, kind).
UNWIND $ids AS id
MATCH (c:Conflict {person_id: id})
RETURN c.person_id AS person_id, c.record_key AS record_key, c.kind AS kind,
       c.detail AS detail
ORDER BY person_id, record_key, kind
"""

_RECORD_LINK_COLUMNS: Final[LiteralString] = """
RETURN l.key AS key, l.entity AS entity, l.number AS number, l.text AS text,
       l.sound AS sound, l.birth AS birth, l.born AS born,
       l:LinkPending AS pending, l.filed AS filed, coalesce(l.rev, 0) AS rev
ORDER BY key
"""

RECORD_LINKS: Final[LiteralString] = (
    """
// $pending_only; returns the link state columns ordered by key.
MATCH (l:RecordLink)
WHERE NOT $pending_only OR l:LinkPending
"""
    + _RECORD_LINK_COLUMNS
)

FIND_RECORD_LINKS: Final[LiteralString] = (
    """
// $keys, $numbers, $texts, $sounds, $births (matching birth or born), $entities:
// lists; returns the link state columns of every state matching any, by key.
CALL () {
  UNWIND $keys AS v MATCH (l:RecordLink {key: v}) RETURN l
  UNION
  UNWIND $numbers AS v MATCH (l:RecordLink {number: v}) RETURN l
  UNION
  UNWIND $texts AS v MATCH (l:RecordLink {text: v}) RETURN l
  UNION
  UNWIND $sounds AS v MATCH (l:RecordLink {sound: v}) RETURN l
  UNION
  UNWIND $births AS v MATCH (l:RecordLink {birth: v}) RETURN l
  UNION
  UNWIND $births AS v MATCH (l:RecordLink {born: v}) RETURN l
  UNION
  UNWIND $entities AS v MATCH (l:RecordLink {entity: v}) RETURN l
}
"""
    + _RECORD_LINK_COLUMNS
)

SAVE_RECORD_LINKS: Final[LiteralString] = """
// $rows: [{key, entity, number, text, sound, birth, born, rev}]; returns moved:
// the keys whose stored revision is no longer row.rev (the revision the link read).
// Stores the keys; clears the pending mark and filed only where the revision is
// still row.rev. The _lock write takes the write lock before rev is read, so a
// loader's mark either precedes the read or waits for this transaction.
UNWIND $rows AS row
MERGE (l:RecordLink {key: row.key})
SET l._lock = true
WITH l, row, coalesce(l.rev, 0) = row.rev AS current
SET l.entity = row.entity, l.number = row.number, l.text = row.text,
    l.sound = row.sound, l.birth = row.birth, l.born = row.born
FOREACH (_ IN CASE WHEN current THEN [1] ELSE [] END |
  SET l.filed = null
  REMOVE l:LinkPending
)
REMOVE l._lock
WITH row WHERE NOT current
RETURN row.key AS moved
"""

FORGET_RECORD_LINKS: Final[LiteralString] = """
// $rows: [{key, rev}]; returns moved: the keys whose stored revision is no longer
// row.rev (kept as they are). Deletes the others (write-locked before rev is read).
UNWIND $rows AS row
MATCH (l:RecordLink {key: row.key})
SET l._lock = true
WITH l, row, coalesce(l.rev, 0) = row.rev AS current
REMOVE l._lock
FOREACH (_ IN CASE WHEN current THEN [1] ELSE [] END | DELETE l)
WITH row WHERE NOT current
RETURN row.key AS moved
"""

MARK_LINKS_COMPLETE: Final[LiteralString] = """
// no parameters; returns nothing.
MERGE (:LinkMeta {name: 'complete'})
"""

LINKS_COMPLETE: Final[LiteralString] = """
// no parameters; returns n: 1 once a full link ran, else 0.
OPTIONAL MATCH (m:LinkMeta {name: 'complete'})
RETURN count(m) AS n
"""

ACQUIRE_LINK_LEASE: Final[LiteralString] = """
// $holder, $ttl (a duration); returns holder, since, expires of the lease in force.
// Takes the lease when none is held, the one held has expired (server clock) or
// $holder holds it (renewed: since stays); else leaves the other's lease. The
// _lock write takes the write lock before the lease is read: concurrent calls
// queue, and each sees the lease the one before left.
MERGE (l:LinkLease {name: 'link'})
SET l._lock = true
WITH l, datetime() AS now
WITH l, now, l.holder = $holder AS mine,
     l.holder IS NULL OR l.holder = $holder OR l.expires <= now AS free
FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END |
  SET l.since = CASE WHEN mine THEN l.since ELSE now END,
      l.holder = $holder, l.expires = now + $ttl
)
REMOVE l._lock
RETURN l.holder AS holder, l.since AS since, l.expires AS expires
"""

RELEASE_LINK_LEASE: Final[LiteralString] = """
// $holder; returns nothing. Deletes the lease if $holder holds it.
MATCH (l:LinkLease {name: 'link'})
WHERE l.holder = $holder
DELETE l
"""

LINK_LEASE: Final[LiteralString] = """
// no parameters; returns holder, since, expires of the stored lease (none: no row).
MATCH (l:LinkLease {name: 'link'})
RETURN l.holder AS holder, l.since AS since, l.expires AS expires
"""

# -- access: API keys and audit anchors ------------------------------------------

MERGE_API_KEY: Final[LiteralString] = """
// $key: {key_id, name, role, secret_hash, created_at, expires_at, revoked_at,
// person_id} (times as ISO strings, absent ones null); returns nothing.
MERGE (k:ApiKey {key_id: $key.key_id})
SET k += $key
"""

API_KEY: Final[LiteralString] = """
// $key_id; returns the key's properties as columns (no row: unknown id).
MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_id AS key_id, k.name AS name, k.role AS role,
       k.secret_hash AS secret_hash, k.created_at AS created_at,
       k.expires_at AS expires_at, k.revoked_at AS revoked_at,
       k.person_id AS person_id
"""

API_KEYS: Final[LiteralString] = """
// no parameters; returns every key's properties, by creation time then id.
MATCH (k:ApiKey)
RETURN k.key_id AS key_id, k.name AS name, k.role AS role,
       k.secret_hash AS secret_hash, k.created_at AS created_at,
       k.expires_at AS expires_at, k.revoked_at AS revoked_at,
       k.person_id AS person_id
ORDER BY created_at, key_id
"""

MERGE_AUDIT_CHECKPOINT: Final[LiteralString] = """
// $log_id, $seq, $head, $at (ISO string); returns nothing. The first head kept
// for a (log, seq) stays: an anchor is never overwritten.
MERGE (c:AuditCheckpoint {log_id: $log_id, seq: $seq})
ON CREATE SET c.head = $head, c.at = $at
"""

AUDIT_CHECKPOINTS: Final[LiteralString] = """
// $log_id; returns log_id, seq, head, at of its checkpoints by seq.
MATCH (c:AuditCheckpoint {log_id: $log_id})
RETURN c.log_id AS log_id, c.seq AS seq, c.head AS head, c.at AS at
ORDER BY seq
"""

# -- export: the whole graph in pages (keyset pagination) ------------------------
# Each page starts after the last key of the one before ($after, "" for the first)
# and holds at most $limit rows, so an export reads the graph in constant memory.

PAGE_PERSONS: Final[LiteralString] = """
// $after, $limit; returns person_id, name, birth_date, sex, aliases by person_id.
MATCH (p:Person) WHERE p.person_id > $after
RETURN p.person_id AS person_id, p.name AS name, p.birth_date AS birth_date,
       p.sex AS sex, p.aliases AS aliases
ORDER BY p.person_id
LIMIT $limit
"""

PAGE_ENTERPRISES: Final[LiteralString] = """
// $after, $limit; returns the enterprise columns by credit_code.
MATCH (e:Enterprise) WHERE e.credit_code > $after
RETURN e.credit_code AS credit_code, e.name AS name, e.status AS status,
       e.founded_on AS founded_on, e.conforming AS conforming,
       e.org_code AS org_code, e.registration_no AS registration_no
ORDER BY e.credit_code
LIMIT $limit
"""

PAGE_ROLES: Final[LiteralString] = """
// $after, $limit, $on (date or null); returns role_id and the role columns of the
// next $limit roles by role_id, and held: whether each is held on $on (the pages
// step over every role; the caller keeps the held ones). The hint keeps the seek
// (on a small store the planner may scan the index from its start and filter).
MATCH (p:Person)-[r:ROLE]->(e:Enterprise)
USING INDEX SEEK r:ROLE(role_id)
WHERE r.role_id > $after
RETURN r.role_id AS role_id, p.person_id AS person_id,
       e.credit_code AS credit_code, r.type AS type, r.since AS since,
       r.until AS until, r.source AS source, r.record_id AS record_id,
       ($on IS NULL OR ((r.since IS NULL OR r.since <= $on)
                        AND (r.until IS NULL OR $on < r.until))) AS held
ORDER BY r.role_id
LIMIT $limit
"""

PAGE_SANCTIONS: Final[LiteralString] = (
    """
// $after, $limit; returns the sanction columns by sanction_id.
MATCH (s:Sanction) WHERE s.sanction_id > $after
"""
    + _SANCTION_COLUMNS
    + """
ORDER BY sanction_id
LIMIT $limit
"""
)

PAGE_RESTRICTION_FACTS: Final[LiteralString] = """
// $after (person_id), $limit (persons), $on (date or null); returns, for the next
// $limit persons by person_id, person_id and fact: the fact columns of each of its
// restrictions valid on $on (null when it has none: one row per such person).
MATCH (p:Person) WHERE p.person_id > $after
WITH p ORDER BY p.person_id LIMIT $limit
OPTIONAL MATCH (p)-[x:RESTRICTED_BY]->(s:Sanction)
WHERE $on IS NULL OR (s.decided_on <= $on AND $on < x.valid_until)
RETURN p.person_id AS person_id,
       CASE WHEN x IS NULL THEN null ELSE {
         restriction_id: s.sanction_id + '|' + p.person_id + '|' + x.measure + '|'
                         + coalesce(x.role_id, 'direct'),
         sanction_id: s.sanction_id, measure: x.measure, role_id: x.role_id,
         valid_from: s.decided_on, valid_until: x.valid_until} END AS fact
ORDER BY person_id
"""

# -- explorer cases ----------------------------------------------------------------

MERGE_CASE: Final[LiteralString] = """
// $case: {owner, name, saved_at (ISO string), persons: [key], content (JSON text)};
// returns nothing. Replaces the owner's case of that name.
MERGE (c:Case {owner: $case.owner, name: $case.name})
SET c += $case
"""

CASE: Final[LiteralString] = """
// $owner, $name; returns owner, name, saved_at, persons, content (no row: none).
MATCH (c:Case {owner: $owner, name: $name})
RETURN c.owner AS owner, c.name AS name, c.saved_at AS saved_at,
       c.persons AS persons, c.content AS content
"""

CASES: Final[LiteralString] = """
// $owner; returns owner, name, saved_at, persons, content of each case by name.
MATCH (c:Case {owner: $owner})
RETURN c.owner AS owner, c.name AS name, c.saved_at AS saved_at,
       c.persons AS persons, c.content AS content
ORDER BY name
"""

DELETE_CASE: Final[LiteralString] = """
// $owner, $name; returns deleted: how many cases were deleted (0 or 1).
OPTIONAL MATCH (c:Case {owner: $owner, name: $name})
DETACH DELETE c
RETURN count(c) AS deleted
"""

# -- search (graph.search, linkage.search_keys) -------------------------------------
# A term is one search key written as a Lucene phrase ("n_王建国"): keys hold only
# letters, digits and "_", so the phrase needs no escaping.

SEARCH_CANDIDATES: Final[LiteralString] = """
// $person_terms, $enterprise_terms: [{term: lucene term, exact: bool, options: {}
// for an exact key, {limit: $limit + 1} for a gram}], $limit, $person_id,
// $credit_code, $legacy_id (each may be null); returns one row of lists of
// {key, name, aliases} (persons) or {key, name} (enterprises), node map projections
// (an OPTIONAL MATCH that found nothing adds nothing): persons_by_id,
// persons (the holders of the person terms), enterprises_by_code,
// enterprises_by_legacy_id, enterprises (the holders of the enterprise terms).
// An exact term keeps its first $limit holders by key; a gram keeps every holder,
// or none when it has more than $limit (its index stops at $limit + 1).
CALL () {
  UNWIND $person_terms AS t
  CALL (t) {
    CALL db.index.fulltext.queryNodes('person_search', t.term, t.options) YIELD node
    WITH node ORDER BY node.person_id LIMIT $limit + 1
    RETURN collect(node) AS nodes
  }
  WITH t, nodes WHERE t.exact OR size(nodes) <= $limit
  UNWIND nodes[..$limit] AS p
  WITH DISTINCT p
  RETURN collect(p {key: p.person_id, .name, .aliases}) AS persons
}
CALL () {
  UNWIND $enterprise_terms AS t
  CALL (t) {
    CALL db.index.fulltext.queryNodes('enterprise_search', t.term, t.options)
    YIELD node
    WITH node ORDER BY node.credit_code LIMIT $limit + 1
    RETURN collect(node) AS nodes
  }
  WITH t, nodes WHERE t.exact OR size(nodes) <= $limit
  UNWIND nodes[..$limit] AS e
  WITH DISTINCT e
  RETURN collect(e {key: e.credit_code, .name}) AS enterprises
}
CALL () {
  OPTIONAL MATCH (p:Person {person_id: $person_id})
  RETURN collect(p {key: p.person_id, .name, .aliases})
         AS persons_by_id
}
CALL () {
  OPTIONAL MATCH (e:Enterprise {credit_code: $credit_code})
  RETURN collect(e {key: e.credit_code, .name}) AS enterprises_by_code
}
CALL () {
  // no legacy identifier, no row: the scan below is not run
  WITH $legacy_id AS id WHERE id IS NOT NULL
  CALL (id) {
    MATCH (e:Enterprise {org_code: id}) RETURN e
    UNION
    MATCH (e:Enterprise {registration_no: id}) RETURN e
    UNION
    MATCH (e:Enterprise)
    WHERE size(id) = 9 AND e.credit_code CONTAINS id
      AND substring(e.credit_code, 8, 9) = id
    RETURN e
  }
  RETURN collect(e {key: e.credit_code, .name}) AS enterprises_by_legacy_id
}
RETURN persons_by_id, persons, enterprises_by_code, enterprises_by_legacy_id,
       enterprises
"""

GET_ENTERPRISES: Final[LiteralString] = """
// $codes: [credit_code]; returns the enterprise's fields, sorted by credit_code.
UNWIND $codes AS code
MATCH (e:Enterprise {credit_code: code})
RETURN e.credit_code AS credit_code, e.name AS name, e.status AS status,
       e.founded_on AS founded_on, e.conforming AS conforming,
       e.org_code AS org_code, e.registration_no AS registration_no
ORDER BY credit_code
"""

# -- pages of neighbours (GraphStore.roles_page) ------------------------------------

_ROLE_PAGE_TAIL: Final[LiteralString] = """
WHERE $on IS NULL
   OR ((r.since IS NULL OR r.since <= $on) AND (r.until IS NULL OR $on < r.until))
WITH p, r, e ORDER BY r.role_id SKIP $skip LIMIT $limit
RETURN p.person_id AS person_id, e.credit_code AS credit_code, r.type AS type,
       r.since AS since, r.until AS until, r.source AS source,
       r.record_id AS record_id
"""

ROLES_PAGE_OF: Final[dict[EntityKind, LiteralString]] = {
    EntityKind.PERSON: """
// $key (person_id), $on (date or null), $skip, $limit; returns role columns of
// the page, by role_id.
MATCH (p:Person {person_id: $key})-[r:ROLE]->(e:Enterprise)
"""
    + _ROLE_PAGE_TAIL,
    EntityKind.ENTERPRISE: """
// $key (credit_code), $on (date or null), $skip, $limit; returns role columns of
// the page, by role_id.
MATCH (p:Person)-[r:ROLE]->(e:Enterprise {credit_code: $key})
"""
    + _ROLE_PAGE_TAIL,
}

CO_HOLDERS: Final[LiteralString] = """
// $codes: [credit_code], $on (date or null), $exclude (person_id), $skip, $limit;
// returns person_id, via ([credit_code]) of the page of other holders, by person_id.
UNWIND $codes AS code
MATCH (p:Person)-[r:ROLE]->(e:Enterprise {credit_code: code})
WHERE p.person_id <> $exclude
  AND ($on IS NULL
       OR ((r.since IS NULL OR r.since <= $on) AND (r.until IS NULL OR $on < r.until)))
WITH p.person_id AS person_id, collect(DISTINCT code) AS via
ORDER BY person_id SKIP $skip LIMIT $limit
RETURN person_id, via
"""

# A store written before search existed is indexed once (Neo4jStore.apply_schema):
# the marker node says it was.
SEARCH_INDEX_MARKED: Final[LiteralString] = """
// no parameters; returns one row when the store's search keys were filled in.
MATCH (m:SearchIndex {version: 1}) RETURN m.version AS version LIMIT 1
"""

MARK_SEARCH_INDEX: Final[LiteralString] = """
// no parameters; returns nothing.
MERGE (:SearchIndex {version: 1})
"""

PERSONS_WITHOUT_SEARCH_KEYS: Final[LiteralString] = """
// $limit; returns person_id, name, aliases of persons without search_keys.
MATCH (p:Person) WHERE p.search_keys IS NULL
RETURN p.person_id AS key, p.name AS name, coalesce(p.aliases, []) AS aliases
LIMIT $limit
"""

ENTERPRISES_WITHOUT_SEARCH_KEYS: Final[LiteralString] = """
// $limit; returns credit_code, name of enterprises without search_keys.
MATCH (e:Enterprise) WHERE e.search_keys IS NULL
RETURN e.credit_code AS key, e.name AS name, [] AS aliases
LIMIT $limit
"""

SET_PERSON_SEARCH_KEYS: Final[LiteralString] = """
// $rows: [{key, search_keys}]; returns nothing.
UNWIND $rows AS row
MATCH (p:Person {person_id: row.key}) SET p.search_keys = row.search_keys
"""

SET_ENTERPRISE_SEARCH_KEYS: Final[LiteralString] = """
// $rows: [{key, search_keys}]; returns nothing.
UNWIND $rows AS row
MATCH (e:Enterprise {credit_code: row.key}) SET e.search_keys = row.search_keys
"""

# -- outbox (graph.outbox, docs/execution.md) ------------------------------------
# (:OutboxEvent {seq, event_id, restriction_id, person_id, kind, body}) with the
# event as JSON text in body; (:OutboxCounter {name: 'outbox', next}) hands out
# seq. A writer takes the counter's write lock first, so events are numbered in
# commit order (a reader that saw seq n never later finds a new event below n).

LOCK_OUTBOX: Final[LiteralString] = """
// no parameters; returns nothing. Takes the outbox counter's write lock (held
// until the transaction ends), creating the counter at 1.
MERGE (c:OutboxCounter {name: 'outbox'})
ON CREATE SET c.next = 1
SET c.locked = true
"""

CREATE_OUTBOX_EVENTS: Final[LiteralString] = """
// $rows: [{event_id, restriction_id, person_id, kind, body}] (at least one), in
// order; returns nothing. Numbers them from the counter (LOCK_OUTBOX ran first).
MATCH (c:OutboxCounter {name: 'outbox'})
SET c.next = c.next + size($rows)
WITH c.next - size($rows) AS first
UNWIND range(0, size($rows) - 1) AS i
WITH first + i AS seq, $rows[i] AS row
CREATE (:OutboxEvent {seq: seq, event_id: row.event_id,
                      restriction_id: row.restriction_id,
                      person_id: row.person_id, kind: row.kind, body: row.body})
"""

OUTBOX_EVENTS: Final[LiteralString] = """
// $after, $limit; returns seq, body of the events after $after, by seq.
MATCH (e:OutboxEvent)
WHERE e.seq > $after
RETURN e.seq AS seq, e.body AS body
ORDER BY seq
LIMIT $limit
"""

LAST_OUTBOX_KINDS: Final[LiteralString] = """
// $ids: [restriction_id]; returns restriction_id, kind of the last event of each
// that has one.
UNWIND $ids AS id
CALL (id) {
  MATCH (e:OutboxEvent {restriction_id: id})
  RETURN e.kind AS kind ORDER BY e.seq DESC LIMIT 1
}
RETURN id AS restriction_id, kind
"""

RESTRICTIONS_TO_EXPIRE: Final[LiteralString] = """
// $on, $ended; returns the fact columns of the facts valid until $on or before
// whose last outbox event is not an end ($ended), ordered by restriction_id.
MATCH (p:Person)-[x:RESTRICTED_BY]->(s:Sanction)
WHERE x.valid_until <= $on
WITH p, x, s, s.sanction_id + '|' + p.person_id + '|' + x.measure + '|'
              + coalesce(x.role_id, 'direct') AS restriction_id
CALL (restriction_id) {
  MATCH (e:OutboxEvent {restriction_id: restriction_id})
  RETURN e.kind AS last ORDER BY e.seq DESC LIMIT 1
}
WITH p, x, s, restriction_id, last
WHERE last <> $ended
RETURN restriction_id, s.sanction_id AS sanction_id, p.person_id AS person_id,
       x.measure AS measure, x.role_id AS role_id,
       s.decided_on AS valid_from, x.valid_until AS valid_until
ORDER BY restriction_id
"""

MARK_ALL_PENDING: Final[LiteralString] = """
// $types, $known (as PROPAGATE_ALL); returns nothing. Marks pending every
// sanction a full propagation visits (auto-commit batches).
MATCH (s:Sanction)
WHERE s.type IN $known
  AND (s:Pending
       OR size(CASE s.subject_kind
                 WHEN 'person' THEN $types[s.type].direct
                 ELSE $types[s.type].measures
               END) > 0
       OR EXISTS { (s)<-[:RESTRICTED_BY]-() })
CALL (s) { SET s:Pending } IN TRANSACTIONS OF 10000 ROWS
"""

SANCTIONS_BY_ID: Final[LiteralString] = (
    """
// $ids: [sanction_id]; returns the sanction columns of those that exist.
UNWIND $ids AS id
MATCH (s:Sanction {sanction_id: id})
"""
    + _SANCTION_COLUMNS
)

COUNT_KNOWN_SANCTIONS: Final[LiteralString] = """
// $known: [type]; returns n: how many sanctions are of a type the catalogue has.
MATCH (s:Sanction)
WHERE s.type IN $known
RETURN count(s) AS n
"""

RESTRICTION_FACTS_OF_SANCTIONS: Final[LiteralString] = """
// $ids: [sanction_id]; returns the fact columns of their facts.
UNWIND $ids AS id
MATCH (p:Person)-[x:RESTRICTED_BY]->(s:Sanction {sanction_id: id})
RETURN s.sanction_id + '|' + p.person_id + '|' + x.measure + '|'
         + coalesce(x.role_id, 'direct') AS restriction_id,
       s.sanction_id AS sanction_id, p.person_id AS person_id,
       x.measure AS measure, x.role_id AS role_id,
       s.decided_on AS valid_from, x.valid_until AS valid_until
"""

SAVE_SUBSCRIPTION: Final[LiteralString] = """
// $key_id, $body (JSON text); returns nothing. Replaces the key's subscription.
MERGE (s:Subscription {key_id: $key_id})
SET s.body = $body
"""

GET_SUBSCRIPTION: Final[LiteralString] = """
// $key_id; returns body (0 or 1 row).
MATCH (s:Subscription {key_id: $key_id})
RETURN s.body AS body
"""

GET_OUTBOX_EVENT: Final[LiteralString] = """
// $event_id; returns seq, body (0 or 1 row).
MATCH (e:OutboxEvent {event_id: $event_id})
RETURN e.seq AS seq, e.body AS body
"""

SAVE_FEEDBACK: Final[LiteralString] = """
// $rows: [{event_id, key_id, outcome, reason, at}]; returns nothing. One report
// per (event, key): a later one replaces it.
UNWIND $rows AS row
MERGE (f:Feedback {event_id: row.event_id, key_id: row.key_id})
SET f.outcome = row.outcome, f.reason = row.reason, f.at = row.at
"""

FEEDBACK: Final[LiteralString] = """
// no parameters; returns event_id, key_id, outcome, reason, at, ordered.
MATCH (f:Feedback)
RETURN f.event_id AS event_id, f.key_id AS key_id, f.outcome AS outcome,
       f.reason AS reason, f.at AS at
ORDER BY event_id, key_id
"""

# -- webhook deliveries (graph.delivery) -----------------------------------------
# (:Webhook {key_id, url, secret, cursor}) and (:Delivery {key_id, seq, event_id,
# state, attempts, next_at, error}); times are ISO 8601 text.

SAVE_WEBHOOK: Final[LiteralString] = """
// $key_id, $url, $secret, $cursor; returns nothing. A higher stored cursor stays.
MERGE (w:Webhook {key_id: $key_id})
ON CREATE SET w.cursor = $cursor
SET w.url = $url, w.secret = $secret,
    w.cursor = CASE WHEN w.cursor > $cursor THEN w.cursor ELSE $cursor END
"""

WEBHOOKS: Final[LiteralString] = """
// no parameters; returns key_id, url, secret, cursor by key_id.
MATCH (w:Webhook)
RETURN w.key_id AS key_id, w.url AS url, w.secret AS secret, w.cursor AS cursor
ORDER BY key_id
"""

ENQUEUE_DELIVERIES: Final[LiteralString] = """
// $rows: [{key_id, seq, event_id, state, attempts, next_at, error}]; returns
// nothing. An existing (key_id, seq) is left as it is.
UNWIND $rows AS row
MERGE (d:Delivery {key_id: row.key_id, seq: row.seq})
ON CREATE SET d.event_id = row.event_id, d.state = row.state,
    d.attempts = row.attempts, d.next_at = row.next_at, d.error = row.error
"""

MOVE_WEBHOOK_CURSOR: Final[LiteralString] = """
// $key_id, $cursor; returns nothing. The cursor never goes back.
MATCH (w:Webhook {key_id: $key_id})
SET w.cursor = CASE WHEN w.cursor > $cursor THEN w.cursor ELSE $cursor END
"""

SAVE_DELIVERY: Final[LiteralString] = """
// $row: {key_id, seq, event_id, state, attempts, next_at, error}; returns nothing.
MERGE (d:Delivery {key_id: $row.key_id, seq: $row.seq})
SET d.event_id = $row.event_id, d.state = $row.state, d.attempts = $row.attempts,
    d.next_at = $row.next_at, d.error = $row.error
"""

DELIVERIES_OF: Final[LiteralString] = """
// $key_id, $state (or null: all), $limit (or null: all); returns the delivery
// columns by seq.
MATCH (d:Delivery {key_id: $key_id})
WHERE $state IS NULL OR d.state = $state
RETURN d.key_id AS key_id, d.seq AS seq, d.event_id AS event_id, d.state AS state,
       d.attempts AS attempts, d.next_at AS next_at, d.error AS error
ORDER BY seq
LIMIT coalesce($limit, 1000000000)
"""

REDELIVER: Final[LiteralString] = """
// $key_id, $ids ([event_id] or null: every dead one), $now, $pending, $dead;
// returns n: how many deliveries were made pending again.
OPTIONAL MATCH (d:Delivery {key_id: $key_id})
WHERE ($ids IS NULL AND d.state = $dead) OR d.event_id IN $ids
SET d.state = $pending, d.attempts = 0, d.next_at = $now
RETURN count(d) AS n
"""

HELD_EVENT_IDS: Final[LiteralString] = """
// $ids: [event_id]; returns event_id of those the outbox holds.
UNWIND $ids AS id
MATCH (e:OutboxEvent {event_id: id})
RETURN e.event_id AS event_id
"""

# -- authorisations of third parties by the person ---------------------------------

MERGE_AUTHORISATION: Final[LiteralString] = """
// $row: {authorisation_id, person_id, grantee_key_id, purpose, granted_on,
// expires_on, recorded_by, revoked_on} (dates as ISO strings, revoked_on may be
// null); returns nothing.
MERGE (a:Authorisation {authorisation_id: $row.authorisation_id})
SET a += $row
"""

_AUTHORISATION_COLUMNS: Final[LiteralString] = """
RETURN a.authorisation_id AS authorisation_id, a.person_id AS person_id,
       a.grantee_key_id AS grantee_key_id, a.purpose AS purpose,
       a.granted_on AS granted_on, a.expires_on AS expires_on,
       a.recorded_by AS recorded_by, a.revoked_on AS revoked_on
"""

AUTHORISATION: Final[LiteralString] = (
    """
// $authorisation_id; returns its properties as columns (no row: unknown id).
MATCH (a:Authorisation {authorisation_id: $authorisation_id})
"""
    + _AUTHORISATION_COLUMNS
)

AUTHORISATIONS_OF: Final[LiteralString] = (
    """
// $person_id; returns every authorisation the person gave, by grant date then id.
MATCH (a:Authorisation {person_id: $person_id})
"""
    + _AUTHORISATION_COLUMNS
    + """ORDER BY granted_on, authorisation_id
"""
)

# -- the person's own objections and statements -----------------------------------

MERGE_PERSON_REQUEST: Final[LiteralString] = """
// $row: {request_id, person_id, sanction_id, kind, text, filed_on, filed_at,
// filed_by, objection_on, objection_seq, reviewed_on, reviewed_by} (dates as ISO
// strings, absent ones null); returns nothing.
MERGE (r:PersonRequest {request_id: $row.request_id})
SET r += $row
"""

_PERSON_REQUEST_COLUMNS: Final[LiteralString] = """
RETURN r.request_id AS request_id, r.person_id AS person_id,
       r.sanction_id AS sanction_id, r.kind AS kind, r.text AS text,
       r.filed_on AS filed_on, r.filed_at AS filed_at, r.filed_by AS filed_by,
       r.objection_on AS objection_on, r.objection_seq AS objection_seq,
       r.reviewed_on AS reviewed_on, r.reviewed_by AS reviewed_by
"""

PERSON_REQUEST: Final[LiteralString] = (
    """
// $request_id; returns its properties as columns (no row: unknown id).
MATCH (r:PersonRequest {request_id: $request_id})
"""
    + _PERSON_REQUEST_COLUMNS
)

PERSON_REQUESTS: Final[LiteralString] = (
    """
// $person_id (null: every person); returns the requests, by filing time then id.
MATCH (r:PersonRequest)
WHERE $person_id IS NULL OR r.person_id = $person_id
"""
    + _PERSON_REQUEST_COLUMNS
    + """ORDER BY filed_at, request_id
"""
)
