"""The explorer at scale: a hub enterprise whose holders make a 2,000-node
neighbourhood, drawn and expanded in Chromium with the times measured in the page.
Used by tests/browser/test_explorer_scale.py (bounds) and bench/explorer.py
(figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING

from api.access.apikeys import create_key
from api.access.roles import load_roles
from graph.embedded_store import EmbeddedStore
from graph.model import RoleType
from tests.factories import (
    credit_code,
    make_enterprise,
    make_person,
    make_role,
    resident_id,
)

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The store, a roles file whose investigator may see enough persons in an hour,
    the investigator's key, the hub's credit code and the person bridging to the
    second enterprise."""

    db: Path
    roles: Path
    key: str
    hub: str
    bridge: str
    second: str


def build_neighbourhood(folder: Path, hub_size: int, second_size: int) -> Neighbourhood:
    """A hub with ``hub_size`` holders (the hub and them: ``hub_size + 1`` nodes);
    its first holder also directs a second enterprise with ``second_size`` other
    holders, half of them since 2020 (a date before that hides them)."""
    store = EmbeddedStore(folder / "scale.db")
    total = hub_size + second_size
    people = [
        make_person(
            person_id=resident_id(n),
            name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % 23] + GIVEN[n // 23 % 23],
        )
        for n in range(1, total + 1)
    ]
    store.upsert_persons(people)
    hub, second = credit_code(9001), credit_code(9002)
    store.upsert_enterprises(
        [
            make_enterprise(credit_code=hub, name="四川枢纽控股集团有限公司"),
            make_enterprise(credit_code=second, name="成都二号实业有限公司"),
        ]
    )
    roles = [
        make_role(
            person_id=resident_id(n),
            credit_code=hub,
            role=RoleType.SHAREHOLDER,
            since=date(2010 + n % 10, 1, 1),
            record_id=f"h{n}",
        )
        for n in range(1, hub_size + 1)
    ]
    roles.append(
        make_role(
            person_id=resident_id(1),
            credit_code=second,
            role=RoleType.DIRECTOR,
            since=date(2012, 1, 1),
            record_id="bridge",
        )
    )
    roles += [
        make_role(
            person_id=resident_id(n),
            credit_code=second,
            role=RoleType.SHAREHOLDER,
            since=date(2020 if n % 2 else 2012, 1, 1),
            record_id=f"s{n}",
        )
        for n in range(hub_size + 1, total + 1)
    ]
    store.upsert_roles(roles)
    text = (resources.files("api.access") / "roles.toml").read_text(encoding="utf-8")
    roles_file = folder / "roles.toml"
    roles_file.write_text(
        text.replace("persons_per_hour = 1000", "persons_per_hour = 100000"),
        encoding="utf-8",
    )
    policy = load_roles(roles_file)
    key = create_key(store, policy, role="investigator", name="scale desk").key
    store.close()
    return Neighbourhood(
        folder / "scale.db", roles_file, key, hub, resident_id(1), second
    )


# Runs in the page: the action, then two animation frames (the canvas drawn).
_TIMED = """async ([action, arg]) => {
  const x = window.credlinkExplorer;
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const start = performance.now();
  if (action === "expand") for (const id of arg) await x.expand(id);
  if (action === "date") x.setDate(arg);
  await frame(); await frame();
  return performance.now() - start;
}"""

_PAN = """async (frames) => {
  const cy = window.credlinkExplorer.cy();
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  await frame();
  const start = performance.now();
  for (let i = 0; i < frames; i += 1) {
    cy.panBy({ x: 3, y: 2 });
    cy.zoom(cy.zoom() * 1.002);
    await frame();
  }
  return (performance.now() - start) / frames;
}"""


def measure(page: Page, base: str, place: Neighbourhood) -> dict[str, float]:
    """Sign in, draw the hub's neighbourhood, expand the bridge, change the date,
    pan: milliseconds of each (and the node counts)."""
    page.goto(f"{base}/ui")
    page.fill("#key", place.key)
    page.click("#signin-button")
    page.wait_for_selector("#app:not([hidden])")
    page.fill("#page-size", "1000")
    page.fill("#search", place.hub)
    page.click("#search-form button")
    page.locator("#hits button.hit").first.click()
    figures: dict[str, float] = {}
    hub = f"e:{place.hub}"  # two pages of holders: the server's pages hold 1,000
    figures["draw_ms"] = page.evaluate(_TIMED, ["expand", [hub, hub]])
    figures["drawn_nodes"] = page.evaluate("window.credlinkExplorer.counts().nodes")
    figures["expand_ms"] = page.evaluate(_TIMED, ["expand", [f"p:{place.bridge}"]])
    figures["expanded_nodes"] = page.evaluate("window.credlinkExplorer.counts().nodes")
    figures["date_ms"] = page.evaluate(_TIMED, ["date", "2015-06-01"])
    figures["dated_edges"] = page.evaluate("window.credlinkExplorer.counts().edges")
    figures["frame_ms"] = page.evaluate(_PAN, 30)
    return figures
