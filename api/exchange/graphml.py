"""GraphML for Gephi, yEd, Cytoscape and networkx.

Nodes are persons, enterprises, sanctions and commendations (good records; their
kind in ``type``) with ``kind``, ``label`` and their fields; edges are roles
(person -> enterprise), ``against`` (sanction -> its subject), ``commends``
(commendation -> its subject) and restrictions (person -> the sanction that
reached it). Every
attribute is declared once, up front, as GraphML asks; dates are ISO text.

networkx builds GraphML from a graph held in memory; an export of a million
persons must not hold it, so the elements are written one by one as they are read
(the XML is the same; the tests read it back with ``networkx.read_graphml``).
Characters XML 1.0 cannot carry (control characters other than tab and line
breaks) are replaced by U+FFFD.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING, Final
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from api.exchange.population import Population
    from api.exchange.views import ExportView

NODE_KEYS: Final = (
    "kind",
    "label",
    "id_number",
    "birth_date",
    "sex",
    "aliases",
    "credit_code",
    "status",
    "founded_on",
    "conforming",
    "org_code",
    "registration_no",
    "type",
    "authority",
    "decision_no",
    "decided_on",
    "violation_date",
    "display_until",
    "valid_until",
    "source",
    "record_id",
)
EDGE_KEYS: Final = (
    "relation",
    "role",
    "since",
    "until",
    "source",
    "record_id",
    "measure",
    "valid_from",
    "valid_until",
)
_BOOLEAN: Final = frozenset({"conforming"})
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def export_graphml(population: Population, view: ExportView, path: Path) -> int:
    """Write the population as GraphML to ``path``; how many nodes and edges."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        _head(out)
        for person in population.persons():
            shown = view.person(person)
            _element(
                out,
                "node",
                {"id": "person:" + shown.person_id},
                kind="person",
                label=shown.name,
                id_number=None
                if person.person_id.startswith("U")
                else view.id_number(person.person_id),
                birth_date=shown.birth_date,
                sex=shown.sex.value if shown.sex else None,
                aliases="; ".join(shown.aliases) or None,
            )
            written += 1
        for e in population.enterprises():
            _element(
                out,
                "node",
                {"id": "enterprise:" + e.credit_code},
                kind="enterprise",
                label=e.name,
                credit_code=e.credit_code,
                status=e.status,
                founded_on=e.founded_on,
                conforming=e.conforming,
                org_code=e.org_code,
                registration_no=e.registration_no,
            )
            written += 1
        for role in population.roles():
            r = view.role(role)
            _element(
                out,
                "edge",
                {
                    "id": "role:" + r.role_id,
                    "source": "person:" + r.person_id,
                    "target": "enterprise:" + r.credit_code,
                },
                relation="role",
                role=r.role.value,
                since=r.since,
                until=r.until,
                source=r.source,
                record_id=r.record_id,
            )
            written += 1
        for sanction in population.sanctions():
            s = view.sanction(sanction)
            node = "sanction:" + s.sanction_id
            _element(
                out,
                "node",
                {"id": node},
                kind="sanction",
                label=s.decision_no or s.type,
                type=s.type,
                authority=s.authority,
                decision_no=s.decision_no,
                decided_on=s.decided_on,
                violation_date=s.violation_date,
                display_until=s.display_until,
                status=s.status.value,
            )
            _element(
                out,
                "edge",
                {
                    "id": "against:" + s.sanction_id,
                    "source": node,
                    "target": f"{s.subject_kind.value}:{s.subject_id}",
                },
                relation="against",
            )
            written += 2
        for commendation in population.commendations():
            c = view.commendation(commendation)
            node = "commendation:" + c.commendation_id
            _element(
                out,
                "node",
                {"id": node},
                kind="commendation",
                label=c.kind,
                type=c.kind,
                authority=c.authority,
                decided_on=c.decided_on,
                valid_until=c.valid_until,
                source=c.source,
                record_id=c.record_id,
            )
            _element(
                out,
                "edge",
                {
                    "id": "commends:" + c.commendation_id,
                    "source": node,
                    "target": f"{c.subject_kind.value}:{c.subject_id}",
                },
                relation="commends",
            )
            written += 2
        for fact in population.restrictions():
            f = view.fact(fact)
            _element(
                out,
                "edge",
                {
                    "id": "restriction:" + f.restriction_id,
                    "source": "person:" + f.person_id,
                    "target": "sanction:" + f.sanction_id,
                },
                relation="restricted_by",
                measure=f.measure,
                valid_from=f.valid_from,
                valid_until=f.valid_until,
            )
            written += 1
        out.write("</graph>\n</graphml>\n")
    return written


def _head(out: IO[str]) -> None:
    out.write(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for domain, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for key in keys:
            kind = "boolean" if key in _BOOLEAN else "string"
            out.write(
                f'<key id="{domain}_{key}" for="{domain}" '
                f'attr.name="{key}" attr.type="{kind}"/>\n'
            )
    out.write('<graph edgedefault="directed">\n')


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _element(
    out: IO[str],
    tag: str,
    ids: dict[str, str],
    **data: str | date | bool | None,
) -> None:
    """One node or edge with its data; None values are left out."""
    attributes = " ".join(f"{k}={quoteattr(_text(v))}" for k, v in ids.items())
    parts = [f"<{tag} {attributes}>"]
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = escape(_text(value))
        else:
            text = value.isoformat()
        parts.append(f'<data key="{tag}_{key}">{text}</data>')
    parts.append(f"</{tag}>\n")
    out.write("".join(parts))
