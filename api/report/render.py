"""A report as a printable document: HTML with print styles, and PDF (WeasyPrint).

Chinese text is set in WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``,
installed by ``scripts/test`` and the Docker image with the other system
packages); WeasyPrint finds it through fontconfig and fetches nothing. The HTML
carries the report's JSON in a ``<script type="application/json">`` element and the
PDF carries it as an embedded file, so ``credlink report verify`` checks either.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

REPORT_JSON_ID = "credlink-report"
ATTACHMENT_NAME = "credlink-report.json"
CJK_FONT = "WenQuanYi Micro Hei"

_TITLES = {
    "identity": ("身份信息", "Identity"),
    "summary": ("概要", "Summary"),
    "records": ("失信记录及公示期", "Dishonesty records and display periods"),
    "restrictions": ("限制措施及其链条", "Restrictions in force and their chains"),
    "roles": ("任职情况", "Roles now and before"),
    "incentives": ("守信记录与激励", "Good records and incentives"),
    "objections": ("异议与本人声明", "Objections and personal statements"),
    "repairs": ("信用修复记录", "Repair history"),
    "queries": ("查询记录", "Query record"),
}

_STYLE = f"""
@page {{ size: A4; margin: 18mm 15mm;
  @bottom-center {{ content: "第 " counter(page) " 页 / page " counter(page); }} }}
body {{ font-family: "{CJK_FONT}", "Noto Sans CJK SC", sans-serif; font-size: 10pt;
  color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }}
h2 {{ font-size: 12pt; border-bottom: 1px solid #444; margin-top: 14pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 2pt 4pt; text-align: left;
  vertical-align: top; }}
.meta {{ color: #444; font-size: 8.5pt; }}
.why {{ font-size: 8.5pt; color: #333; }}
@media print {{ h2 {{ break-after: avoid-page; }}
  tr {{ break-inside: avoid-page; }} a {{ color: inherit; }} }}
"""


def report_html(report: dict[str, Any]) -> str:
    """The report as one HTML page (print styles inline, nothing loaded)."""
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>个人公共信用报告 {escape(report['report_id'])}</title>",
        f"<style>{_STYLE}</style>",
        f"<script type='application/json' id='{REPORT_JSON_ID}'>",
        _embedded_json(report),
        "</script></head><body>",
        "<h1>个人公共信用报告 · Personal public credit report</h1>",
        "<p class='meta'>",
        f"报告编号 Report id: {escape(report['report_id'])}<br>",
        f"信息截止日期 As of: {escape(report['as_of'])}<br>",
        f"生成时间 Generated: {escape(report['generated_at'])}<br>",
        f"适用规则版本 Rule versions: {escape(', '.join(report['rule_versions']))}<br>",
        f"受众 Audience: {escape(report['audience'])}<br>",
        f"摘要 Digest: {escape(report['digest'])}</p>",
    ]
    for key in report["sections"]:
        zh, en = _TITLES[key]
        parts.append(f"<section id='{key}'><h2>{zh} · {en}</h2>")
        parts.append(_SECTION[key](report[key]))
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def report_pdf(report: dict[str, Any]) -> bytes:
    """The report as PDF, its JSON embedded (for ``credlink report verify``)."""
    from weasyprint import HTML, Attachment

    data = json.dumps(report, ensure_ascii=False, indent=2)
    attachment = Attachment(
        string=data, name=ATTACHMENT_NAME, description="credlink report (JSON)"
    )
    pdf: bytes = HTML(string=report_html(report)).write_pdf(attachments=[attachment])
    return pdf


def _embedded_json(report: dict[str, Any]) -> str:
    text = json.dumps(report, ensure_ascii=False)
    # nothing in it may close the script element
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value)) or "—"
    return escape(str(value))


def _table(header: list[str], rows: list[list[object]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    thead = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _identity(identity: dict[str, Any]) -> str:
    rows = [
        ["姓名 Name", identity["name"]],
        ["身份证件号码 ID number", identity["id_number"]],
        ["出生日期 Birth date", identity["birth_date"]],
        ["性别 Sex", identity["sex"]],
    ]
    return _table(["", ""], rows, "")


def _summary(summary: dict[str, Any]) -> str:
    rows = [[key, value] for key, value in summary.items()]
    return _table(["项目 Item", "数量 Count"], rows, "")


def _records(records: list[dict[str, Any]]) -> str:
    rows: list[list[object]] = []
    for r in records:
        conditions = "；".join(c["zh"] for c in r["repair_conditions"])
        rows.append(
            [
                f"{r['name_zh']}（{r['decision_no']}）",
                r["authority"],
                r["decided_on"],
                r["display_until"],
                r["status"] + ("（公示中 shown）" if r["displayed"] else ""),
                f"{r['rule_version']} {r['severity'] or ''}".strip(),
                f"{r['repair_from']}起；{conditions}",
            ]
        )
    header = [
        "记录 Record",
        "机关 Authority",
        "决定日期 Decided",
        "公示截止（不含）Shown until",
        "状态 Status",
        "规则版本 Rule version",
        "修复条件 Repair",
    ]
    return _table(header, rows, "无失信记录 No dishonesty record.")


def _restrictions(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p>无限制措施 No restriction in force.</p>"
    parts = []
    for r in items:
        chain = r["chain"]
        parts.append(
            _table(
                ["措施 Measure", "有效期 Valid", "止于 Ends", "链条 Chain"],
                [
                    [
                        r["measure"],
                        f"{r['valid_from']} – {r['valid_until']}",
                        r["ends_on"],
                        f"{chain['sanction_type']} {chain['decision_no']} → "
                        f"{chain['subject_id']} → {chain['role'] or 'direct'}",
                    ]
                ],
                "",
            )
        )
        parts.append(f"<p class='why'>{escape(r['explanation_zh'])}</p>")
    return "".join(parts)


def _roles(roles: dict[str, list[dict[str, Any]]]) -> str:
    rows = [
        [when, r["credit_code"], r["role"], r["since"], r["until"]]
        for when, key in (("现任 now", "now"), ("曾任 before", "before"))
        for r in roles[key]
    ]
    header = ["", "企业 Enterprise", "职务 Role", "起 Since", "止 Until"]
    return _table(header, rows, "无任职记录 No role held.")


def _incentives(records: list[dict[str, Any]]) -> str:
    rows: list[list[object]] = []
    for r in records:
        if r["in_force"]:
            earns = "、".join(f["zh"] for f in r["facilitations"])
        else:
            earns = "；".join(
                f"{s['name_zh']}（{s['decided_on']}）" for s in r["suspended_by"]
            )
        rows.append(
            [
                r["name_zh"],
                r["authority"],
                r["decided_on"],
                r["valid_until"],
                r["status"] + ("（有效 in force）" if r["in_force"] else ""),
                earns,
            ]
        )
    header = [
        "守信记录 Good record",
        "授予机关 Issued by",
        "决定日期 Decided",
        "有效至（不含）Valid until",
        "状态 Status",
        "激励措施 / 中止原因 Facilitations / suspended by",
    ]
    example = any(r["example"] for r in records)
    note = (
        "<p class='meta'>激励目录为示例，由各地替换 The incentives catalogue is an "
        "example a city replaces.</p>"
        if example
        else ""
    )
    return _table(header, rows, "无守信记录 No good record.") + note


def _events(events: list[dict[str, Any]]) -> str:
    rows = [
        [e["on"], e["name_zh"], e["sanction_id"], e["reason"], e["rule_version"]]
        for e in events
    ]
    header = ["日期 On", "事项 Kind", "记录 Record", "理由 Reason", "规则 Rule"]
    return _table(header, rows, "无 None.")


def _objections(section: dict[str, list[dict[str, Any]]]) -> str:
    rows = [
        [r["filed_on"], r["sanction_id"], r["text"], r["status_zh"] + f" {r['status']}",
         r["decided_on"], r["decision_reason"]]
        for r in section["requests"]
    ]  # fmt: skip
    own = _table(
        ["提出日期 Filed", "记录 Record", "异议内容 Objection", "状态 Status",
         "决定日期 Decided", "决定理由 Reason"],
        rows, "本人未提出异议 No objection filed by the person.",
    )  # fmt: skip
    said = _table(
        ["日期 On", "记录 Record", "本人声明 Statement"],
        [[r["filed_on"], r["sanction_id"], r["text"]] for r in section["statements"]],
        "无本人声明 No personal statement.",
    )
    return (
        "<h3>本人异议 The person's objections</h3>" + own
        + "<h3>本人声明 Personal statements</h3>" + said
        + "<h3>异议处理记录 Objection events</h3>" + _events(section["events"])
    )  # fmt: skip


def _queries(entries: list[dict[str, Any]]) -> str:
    rows = [
        [e["at"], e["who"], e["role"], e["purpose"], e["action"], e["outcome"]]
        for e in entries
    ]
    header = ["时间 At", "查询者 Who", "角色 Role", "目的 Purpose", "操作", "结果"]
    return _table(header, rows, "无查询记录 No query recorded.")


_SECTION: dict[str, Callable[[Any], str]] = {
    "identity": _identity,
    "summary": _summary,
    "records": _records,
    "restrictions": _restrictions,
    "roles": _roles,
    "incentives": _incentives,
    "objections": _objections,
    "repairs": _events,
    "queries": _queries,
}
