"""The personal public credit report: CLI and HTTP, JSON, HTML and PDF, on both
stores. The PDF is rendered to an image (not blank, Chinese text in its text
layer); the public audience never sees a full ID number or name."""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdfium2

from api.stores import open_store
from graph import enforcement
from graph.model import EntityKind, RoleType
from graph.policy import load_catalogue
from graph.propagation import EventKind, SanctionEvent
from tests.api.conftest import open_api
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    make_sanction,
    resident_id,
)

if TYPE_CHECKING:
    from graph.store import GraphStore
    from tests.api.conftest import Cli

HEAD = resident_id(51)
NAME = "欧阳明远"
FIRM = credit_code(51)
EARLIER = credit_code(52)
ON = "2026-07-01"
IMAGE = "report-page.png"  # docs/images/report-page.png: bash scripts/screenshots
SECTIONS_ZH = ("身份信息", "失信记录", "限制措施", "任职情况", "信用修复", "查询记录")


def _seed(store: GraphStore) -> None:
    store.upsert_persons([make_person(person_id=HEAD, name=NAME)])
    store.upsert_enterprises(
        [make_enterprise(credit_code=FIRM), make_enterprise(credit_code=EARLIER)]
    )
    lr = RoleType.LEGAL_REPRESENTATIVE
    store.upsert_roles(
        [
            make_role(
                person_id=HEAD, credit_code=FIRM, role=lr, since=date(2020, 1, 1)
            ),
            make_role(
                person_id=HEAD,
                credit_code=EARLIER,
                role=RoleType.DIRECTOR,
                since=date(2015, 1, 1),
                until=date(2019, 1, 1),
            ),
        ]
    )
    store.upsert_sanctions(
        [
            make_sanction(
                sanction_id="P2025",
                subject_id=FIRM,
                type="administrative_penalty",
                decided_on=date(2025, 6, 1),
                violation_date=None,
            ),
            make_sanction(
                sanction_id="P2026",
                subject_id=FIRM,
                type="administrative_penalty",
                decided_on=date(2026, 5, 1),
                violation_date=None,
            ),
            make_sanction(
                sanction_id="L2024",
                subject_kind=EntityKind.PERSON,
                subject_id=HEAD,
                type="dishonest_judgment_debtor",
                decided_on=date(2024, 1, 10),
                violation_date=None,
            ),
        ]
    )
    catalogue = load_catalogue()
    enforcement.record_event(
        store,
        catalogue,
        SanctionEvent("L2024", EventKind.REPAIR, date(2024, 3, 1), "officer-1", "paid"),
    )
    enforcement.record_event(
        store,
        catalogue,
        SanctionEvent(
            "P2026", EventKind.OBJECT, date(2026, 6, 1), "本人", "not my signature"
        ),
    )


def _seed_cli(cli: Cli) -> None:
    store = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        _seed(store)
    finally:
        store.close()


def _check_content(report: dict[str, Any]) -> None:
    assert report["as_of"] == ON
    assert report["rule_versions"] == [
        "ndrc_credit_repair_2026",
        "ndrc_order58_2023",
    ]
    records = {r["sanction_id"]: r for r in report["records"]}
    # same type, own display periods and repair conditions by decision date
    assert records["P2025"]["display_until"] == "2028-06-01"
    assert records["P2025"]["rule_version"] == "ndrc_order58_2023"
    assert records["P2026"]["display_until"] == "2027-05-01"
    assert records["P2026"]["severity"] == "general"
    assert records["P2026"]["repair_from"] == "2026-08-01"
    assert [c["key"] for c in records["P2026"]["repair_conditions"]] == [
        "minimum_period",
        "duty_performed",
        "public_commitment",
    ]
    assert records["P2026"]["status"] == "suspended"  # objection pending
    assert records["L2024"]["status"] == "repaired"
    assert not records["L2024"]["displayed"]
    (restriction,) = report["restrictions"]  # P2025's note; P2026 suspended
    assert restriction["chain"]["sanction_id"] == "P2025"
    assert "ndrc_order58_2023" in restriction["explanation_en"]
    assert [r["credit_code"] for r in report["roles"]["now"]] == [FIRM]
    assert [r["credit_code"] for r in report["roles"]["before"]] == [EARLIER]
    assert [o["kind"] for o in report["objections"]["events"]] == ["object"]
    assert [r["on"] for r in report["repairs"]] == ["2024-03-01"]


def test_report_json_verify_and_query_record(cli: Cli, tmp_path: Path) -> None:
    _seed_cli(cli)
    cli.run("restrictions", HEAD, "--on", ON)  # someone looked first
    out = tmp_path / "report.json"
    cli.run("report", HEAD, "--on", ON, "--out", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    _check_content(report)
    assert report["identity"]["name"] == NAME
    assert [q["action"] for q in report["queries"]] == ["person.restrictions"]
    assert report["digest"].startswith("sha256:")
    assert "ok:" in cli.run("report", "verify", str(out)).stdout
    # the report itself is a query of the file: the next report lists it
    again = json.loads(cli.run("report", HEAD, "--on", ON).stdout)
    assert [q["action"] for q in again["queries"]] == [
        "person.restrictions",
        "report.read",
    ]
    assert again["report_id"] != report["report_id"]
    tampered = tmp_path / "tampered.json"
    report["records"][0]["display_until"] = "2099-01-01"
    tampered.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    assert "does not match" in cli.run("report", "verify", str(tampered), code=1).stdout
    cli.run("report", "verify", str(tmp_path / "missing.json"), code=2)


def test_pdf_renders_chinese_and_holds_every_section(
    embedded_cli: Cli, tmp_path: Path
) -> None:
    _seed_cli(embedded_cli)
    pdf_path, html_path = tmp_path / "report.pdf", tmp_path / "report.html"
    embedded_cli.run(
        "report", HEAD, "--on", ON, "--format", "pdf", "--out", str(pdf_path)
    )
    embedded_cli.run(
        "report", HEAD, "--on", ON, "--format", "html", "--out", str(html_path)
    )
    html = html_path.read_text(encoding="utf-8")
    assert "@media print" in html
    assert all(title in html for title in SECTIONS_ZH)
    pdf = pypdfium2.PdfDocument(pdf_path.read_bytes())
    try:
        text = "".join(
            pdf[index].get_textpage().get_text_range() for index in range(len(pdf))
        )
        for title in (*SECTIONS_ZH, "ndrc_order58_2023", NAME):
            assert title in text, title
        image = pdf[0].render(scale=1.5).to_pil().convert("L")
    finally:
        pdf.close()
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.width * image.height)
    assert dark > 0.01, f"page 1 is (nearly) blank: {dark:.4f} dark"
    # into the docs only when asked (scripts/screenshots): a plain run leaves the
    # working tree as it was (the report's id and issue time change every run)
    folder = Path(os.environ.get("CREDLINK_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / IMAGE)
    for path in (pdf_path, html_path):
        assert "ok:" in embedded_cli.run("report", "verify", str(path)).stdout


def _pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    try:
        return "".join(
            pdf[index].get_textpage().get_text_range() for index in range(len(pdf))
        )
    finally:
        pdf.close()


def test_http_report_masks_for_the_public(store: GraphStore, tmp_path: Path) -> None:
    _seed(store)
    with open_api(store, tmp_path) as api:
        full = api.post("/reports", {"person": HEAD, "on": ON})
        assert full.status_code == 200, full.text
        _check_content(full.json())
        assert full.json()["identity"]["id_number"] == HEAD
        for form in ("json", "html"):
            public = api.post(
                "/reports", {"person": HEAD, "on": ON, "format": form}, role="public"
            )
            assert public.status_code == 200, public.text
            assert HEAD not in public.text
            assert NAME not in public.text
            assert "欧阳**" in public.text
        public_pdf = api.post(
            "/reports", {"person": HEAD, "on": ON, "format": "pdf"}, role="public"
        )
        assert public_pdf.status_code == 200, public_pdf.text
        text = _pdf_text(public_pdf.content)
        assert "失信记录" in text  # the Chinese text layer
        assert "欧阳**" in text
        assert HEAD not in text
        assert NAME not in text
        checked = api.post("/reports/verify", {"report": full.json()}, role="public")
        assert checked.json()["ok"] is True
        raw = base64.b64encode(full.content).decode()
        by_file = api.post("/reports/verify", {"file_base64": raw}, role="auditor")
        assert by_file.json()["ok"] is True
        changed = {**full.json(), "as_of": "2020-01-01"}
        assert api.post("/reports/verify", {"report": changed}).json()["ok"] is False
        refused = api.post("/reports", {"person": HEAD}, role="appointment_checker")
        assert refused.status_code == 403
        entries = api.audit()
    reads = [e for e in entries if e["action"] == "report.read"]
    assert [e["outcome"] for e in reads] == ["answered"] * 4 + ["denied"]
    assert all(HEAD in e["persons"] for e in reads[:4])
