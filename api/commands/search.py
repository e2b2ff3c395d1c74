"""``credlink search TEXT``: find persons and enterprises by what is known of them.

TEXT is a name (characters, traditional or simplified; pinyin with or without tones
and spaces; initials; part of a name; a name with one wrong character; optionally
followed by the ID number's last digits), a resident ID number in any written form,
a credit code, an old organisation code or a registration number. Hits are ranked,
each with its reasons. The search is audited (``search.persons`` when persons are
searched, naming every person in the answer). Tables mask ID numbers; ``--json``
gives the HTTP answer's shape with full keys (for an authorised system).

Exit codes: 0 answered (no hit is an answer too); 2 bad input (an empty or too
long query, a cursor of another query); 3 the store is missing or failed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.console import (
    JsonOption,
    app,
    audited,
    console,
    opened_store,
    print_model,
    shown,
)
from api.masking import mask_id_number
from graph.search import kinds_of, search_page
from linkage.search_rank import HitKind


@app.command(rich_help_panel="Exploring")
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="A name, pinyin, ID number or code.")],
    kind: Annotated[
        str, typer.Option("--kind", help="person, enterprise or any.")
    ] = "any",
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100, help="Hits per page.")
    ] = 20,
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="The next_cursor of the page before."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Persons and enterprises ranked by how well they match, with the reasons."""
    if kind not in ("person", "enterprise", "any"):
        raise typer.BadParameter(
            f"{kind!r} is not one of person, enterprise, any", param_hint="--kind"
        )
    kinds = kinds_of(kind)
    action = "search.persons" if HitKind.PERSON in kinds else "search.enterprises"
    from api.routes.search import SearchOut, hit_out
    from api.routes.views import View

    with (
        opened_store(ctx) as store,
        audited(ctx, store, action, f"search:{kind}") as query,
    ):
        page = search_page(store, text, kinds, limit=limit, cursor=cursor)
        query.answered(h.key for h in page.hits if h.kind is HitKind.PERSON)
    if as_json:
        hits = [hit_out(hit, View.FULL) for hit in page.hits]
        print_model(SearchOut(hits=hits, next_cursor=page.next_cursor))
        return
    table = Table(title=f"{len(page.hits)} hits")
    for column in ("kind", "key", "name", "score", "why"):
        table.add_column(column)
    for hit in page.hits:
        key = mask_id_number(hit.key) if hit.kind is HitKind.PERSON else hit.key
        table.add_row(
            hit.kind.value,
            key,
            shown(hit.label),
            f"{hit.score:.2f}",
            shown("; ".join(hit.reasons)),
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")
