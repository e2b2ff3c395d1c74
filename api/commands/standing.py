"""``credlink enterprise standing CODE --on DATE``: an enterprise's own sanctions,
the restrictions in force on its role holders, the roles taken while a
restriction barred them (违规任职), and its good records (守信记录) with the
incentives in force (the incentives catalogue of ``CREDLINK_INCENTIVES``, else the
packaged example). Audited as ``enterprise.people`` (it names
persons). Tables mask ID numbers; ``--json`` gives the HTTP answer's shape.

Exit codes: 0 answered; 1 the store holds no such enterprise; 2 bad input; 3 the
store is missing or failed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from api.commands.sanctions import CatalogueOption, print_incentives
from api.console import (
    JsonOption,
    app,
    audited,
    console,
    not_held,
    opened_store,
    print_model,
    shown,
)
from api.masking import mask_id_number
from graph.errors import EntityNotFoundError, LinkageError
from linkage.ids import parse_credit_code

enterprise_app = typer.Typer(help="An enterprise's standing.", no_args_is_help=True)
app.add_typer(enterprise_app, name="enterprise", rich_help_panel="Exploring")


@enterprise_app.command("standing")
def standing(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Credit code of the enterprise.")],
    on: Annotated[
        datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="As of (YYYY-MM-DD) [today]."),
    ] = None,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sanctions, restricted role holders, 违规任职 and good records of an enterprise
    on a day."""
    try:
        credit_code = parse_credit_code(code).value
    except LinkageError as exc:
        raise typer.BadParameter(str(exc), param_hint="CODE") from exc
    day = on.date() if on is not None else date.today()
    from api.routes.standing import standing_answer
    from api.routes.views import View
    from graph.policy.catalogue import load_catalogue
    from graph.policy.incentives import configured_incentives
    from graph.standing import standing_of

    with opened_store(ctx) as store:
        try:
            with audited(ctx, store, "enterprise.people", credit_code) as query:
                measures = load_catalogue(catalogue)
                found = standing_of(
                    store, measures, configured_incentives(), credit_code, day
                )
                query.answered(found.persons)
        except EntityNotFoundError as exc:
            raise not_held(exc.kind, exc.key, as_json=as_json) from exc
    if as_json:
        print_model(standing_answer(found, View.FULL))
        return
    title = f"{credit_code} {shown(found.enterprise.name)} on {day.isoformat()}"
    sanctions = Table(title=f"sanctions of {title}")
    for column in ("sanction", "type", "authority", "decided", "status"):
        sanctions.add_column(column)
    for s in found.sanctions:
        sanctions.add_row(
            shown(s.sanction_id), s.type, shown(s.authority),
            s.decided_on.isoformat(), s.status.value,
        )  # fmt: skip
    console.print(sanctions)
    restricted = Table(title="role holders under restrictions in force")
    for column in ("person", "role", "restrictions"):
        restricted.add_column(column)
    for h in found.restricted:
        restricted.add_row(
            mask_id_number(h.role.person_id), h.role.role.value,
            shown(", ".join(sorted({r.sanction_id for r in h.restrictions}))),
        )  # fmt: skip
    console.print(restricted)
    irregular = Table(title="违规任职: roles taken while barred")
    for column in ("person", "role", "since", "barred by"):
        irregular.add_column(column)
    for a in found.irregular:
        since = a.role.since.isoformat() if a.role.since else ""
        irregular.add_row(
            mask_id_number(a.role.person_id), a.role.role.value, since,
            shown(", ".join(sorted({r.sanction_id for r in a.blocking}))),
        )  # fmt: skip
    console.print(irregular)
    good = Table(title="good records (守信记录)")
    for column in ("record", "kind", "authority", "decided", "until", "status"):
        good.add_column(column)
    for r in found.good_records:
        name = r.kind.name_zh if r.kind is not None else r.commendation.kind
        status = r.status.value
        if r.suspensions:
            status += " by " + ", ".join(s.sanction_id for s in r.suspensions)
        good.add_row(
            shown(r.commendation.commendation_id), shown(name),
            shown(r.commendation.authority), r.commendation.decided_on.isoformat(),
            r.ends_on.isoformat() if r.ends_on else "", shown(status),
        )  # fmt: skip
    console.print(good)
    print_incentives(found.incentives, day)
