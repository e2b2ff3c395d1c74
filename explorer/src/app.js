// credlink explorer: sign in, search, draw and expand, date, path, restrictions,
// appointment check, cases. Every piece of personal data shown comes from the
// server's audited routes, already masked for the key's role; text is inserted
// as text (never as HTML).

import { ApiError, get, post, query, session } from "/ui/api.js";
import {
  ROLE_NAMES, addAround, applyDate, createGraph, fitView, enterpriseData, enterpriseId,
  interval, personData, personId, relayout, roleData, tidy,
} from "/ui/graph.js";

const $ = (id) => document.getElementById(id);
let me = null;          // the key's session: role, view, actions, purposes
let cy = null;
const pages = new Map(); // enterprise node id -> {holders (client paging), shown, cursor}
const path = { a: null, b: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const may = (action) => Boolean(me && me.actions.includes(action));
const today = () => new Date().toISOString().slice(0, 10);
const asOf = () => $("asof").value || null;
const PAGE_MAX = 1000; // the server's largest page of holders
const pageSize = () => Math.max(1, Math.min(PAGE_MAX, Number($("page-size").value) || 25));

function status(text, isError = false) {
  const line = $("status");
  line.textContent = text;
  line.classList.toggle("error", isError);
}

async function guarded(label, work) {
  status(`${label}…`);
  try {
    const result = await work();
    if ($("status").textContent === `${label}…`) status(`${label}: done`);
    return result;
  } catch (error) {
    const text = error instanceof ApiError ? `${label}: ${error.message} (HTTP ${error.status})` : `${label}: ${error.message}`;
    status(text, true);
    return undefined;
  }
}

// -- sign-in --------------------------------------------------------------------

async function signIn() {
  try {
    me = await get("/session");
  } catch (error) {
    session.forget();
    $("signin-error").textContent = error instanceof ApiError && error.status === 401
      ? "This key is not valid (wrong, expired or revoked)." : `Sign-in failed: ${error.message}`;
    $("signin").hidden = false;
    $("app").hidden = true;
    return;
  }
  const purposes = $("purpose");
  purposes.replaceChildren(...me.purposes.map((p) => el("option", { value: p.code }, p.name)));
  const chosen = session.purpose() || me.default_purpose || (me.purposes[0] && me.purposes[0].code) || "";
  purposes.value = chosen;
  session.choose(chosen);
  $("who").textContent = `${me.key_name} · ${me.role} · ${me.view} view`;
  $("cases-box").hidden = !may("cases.manage");
  $("check-box").hidden = !may("appointment.check");
  $("path-find").hidden = !may("connections.find");
  $("signin").hidden = true;
  $("app").hidden = false;
  if (!cy) {
    cy = createGraph($("cy"));
    cy.on("tap", "node", (event) => showNode(event.target));
    cy.on("tap", "edge", (event) => showRole(event.target));
    cy.on("dbltap", "node", (event) => expand(event.target));
  }
  if (may("cases.manage")) await listCases();
  status(`Signed in as ${me.key_name} (${me.role}).`);
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  session.remember($("key").value.trim());
  $("key").value = "";
  signIn();
});
$("signout").addEventListener("click", () => {
  session.forget();
  location.reload();
});
$("purpose").addEventListener("change", () => session.choose($("purpose").value));

// -- search -----------------------------------------------------------------------

const searchAction = () => (me.actions.find((a) => a.startsWith("search")) || null);

async function search(text, kind) {
  const list = $("hits");
  list.replaceChildren();
  if (searchAction()) {
    const found = await guarded("Search", () => post("/search", { q: text, kind, limit: 20, on: asOf() }));
    if (!found) return;
    for (const hit of found.hits) list.append(hitItem(hit));
    if (!found.hits.length) list.append(el("li", {}, "No match."));
    return;
  }
  // Without the search route: an exact credit code or ID number.
  const compact = text.replace(/\s+/g, "");
  if (/^[0-9A-HJ-NPQRTUWXY]{18}$/i.test(compact) && !isResidentId(compact)) {
    const enterprise = await guarded("Enterprise", () => get(`/enterprises/${encodeURIComponent(compact.toUpperCase())}`));
    if (enterprise) list.append(hitItem({ kind: "enterprise", key: enterprise.credit_code, label: enterprise.name, reasons: ["credit code"] }));
  } else if (may("person.lookup")) {
    const person = await guarded("Person", () => post("/persons/lookup", { id_number: compact }));
    if (person) list.append(hitItem({ kind: "person", key: person.person_id, label: person.name, reasons: ["ID number"] }));
  } else {
    list.append(el("li", {}, "Your role may search by credit code only."));
  }
}

// GB 11643 check character: an 18-character value that passes it is an ID number.
function isResidentId(text) {
  if (!/^\d{17}[\dxX]$/.test(text)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, w, i) => total + w * Number(text[i]), 0);
  return "10X98765432"[sum % 11] === text[17].toUpperCase();
}

function hitItem(hit) {
  const reasons = (hit.reasons || []).join(", ");
  if (!hit.key) return el("li", { class: "masked" }, hit.label, el("span", { class: "reason" }, `${hit.kind} · masked · ${reasons}`));
  return el("li", {}, el("button", {
    type: "button", class: "hit",
    onclick: () => addEntity(hit.kind, hit.key, hit.label),
  }, el("span", { class: `lg ${hit.kind}` }), ` ${hit.label}`, el("span", { class: "reason" }, reasons)));
}

function addEntity(kind, key, label) {
  const data = kind === "person"
    ? { id: `p:${key}`, kind: "person", key, shown: key, label: `${label}\n${key}`, masked: false }
    : { id: enterpriseId(key), kind: "enterprise", key, label: `${label}\n${key}`, name: label };
  const center = cy.nodes(":selected").first();
  addAround(cy, center, [data], []);
  const node = cy.getElementById(data.id);
  cy.nodes().unselect();
  node.select();
  cy.center(node);
  showNode(node);
}

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("search").value.trim();
  if (text) search(text, $("search-kind").value);
});

// -- expanding ---------------------------------------------------------------------

async function expand(node) {
  if (node.data("kind") === "more") return morePeople(node.data("of"));
  if (node.data("kind") === "enterprise") return expandEnterprise(node);
  if (node.data("masked") || !may("person.related")) {
    status("This person is masked for your role: nothing more can be shown.");
    return;
  }
  // depth 1: the roles and enterprises; the people met there come from the
  // enterprises' own pages below (each role with its interval).
  const found = await guarded("Expand", () => post("/persons/related", { id_number: node.data("key"), depth: 1 }));
  if (!found) return;
  const holder = node.id();
  addAround(cy, node, found.enterprises.map(enterpriseData), found.roles.map((r) => roleData(r, holder)));
  node.data("expanded", true);
  for (const enterprise of found.enterprises) {
    const company = cy.getElementById(enterpriseId(enterprise.credit_code));
    if (!company.data("expanded")) await expandEnterprise(company);
  }
  await markPerson(node);
  applyDate(cy, asOf());
  tidy(cy);
}

async function expandEnterprise(node) {
  const code = node.data("key");
  if (pages.has(node.id())) return morePeople(node.id());
  pages.set(node.id(), { holders: [], shown: 0, cursor: null, done: false });
  node.data("expanded", true);
  await morePeople(node.id());
  await markEnterprise(node);
  return code;
}

async function fetchPeople(node, page) {
  const code = node.data("key");
  const found = await guarded("Holders", () => get(`/enterprises/${encodeURIComponent(code)}/people${query({ limit: pageSize(), cursor: page.cursor })}`));
  if (!found) return null;
  if ("next_cursor" in found) { // the server pages
    page.cursor = found.next_cursor;
    page.done = !found.next_cursor;
    return found;
  }
  page.holders = found.holders; // all at once: page them here
  page.done = true;
  page.client = true;
  return found;
}

async function morePeople(enterpriseNodeId) {
  const node = cy.getElementById(enterpriseNodeId);
  const page = pages.get(enterpriseNodeId);
  let holders;
  if (page.client) {
    holders = page.holders.slice(page.shown, page.shown + pageSize());
  } else {
    const found = await fetchPeople(node, page);
    if (!found) return;
    holders = page.client ? page.holders.slice(0, pageSize()) : found.holders;
    if (found.enterprise) node.data({ ...enterpriseData(found.enterprise), expanded: true });
  }
  page.shown += holders.length;
  const persons = holders.map((h) => personData(h.person, h.role));
  const roles = holders.map((h) => roleData(h.role, personId(h.person, h.role)));
  const added = addAround(cy, node, persons, roles);
  const moreId = `more:${enterpriseNodeId}`;
  cy.getElementById(moreId).remove();
  const left = page.client ? page.holders.length - page.shown : (page.done ? 0 : null);
  if (left !== 0) {
    addAround(cy, node, [{ id: moreId, kind: "more", of: enterpriseNodeId, label: left ? `more… (${left})` : "more…" }], [
      { id: `${moreId}:edge`, source: enterpriseNodeId, target: moreId, label: "" },
    ]);
  }
  applyDate(cy, asOf());
  tidy(cy);
  status(`${node.data("name") || node.data("key")}: ${page.shown} holder(s) drawn${left ? ", more available" : ""}.`);
  return added;
}

function collapse(node) {
  const keep = (n) => n.hasClass("pinned") || n.id() === node.id();
  const gone = node.neighborhood("node").filter((n) => !keep(n) && n.connectedEdges().connectedNodes().difference(node).difference(n).empty());
  cy.remove(gone);
  cy.getElementById(`more:${node.id()}`).remove();
  pages.delete(node.id());
  node.data("expanded", false);
  status(`Collapsed: ${gone.length} node(s) removed.`);
}

// -- marks and details --------------------------------------------------------------

async function restrictionsOf(node) {
  if (node.data("masked") || !may("person.restrictions")) return null;
  return guarded("Restrictions", () => post("/persons/restrictions", { id_number: node.data("key"), on: asOf() || today() }));
}

async function markPerson(node) {
  const found = await restrictionsOf(node);
  if (!found) return found;
  node.toggleClass("restricted", found.restrictions.length > 0);
  // The enterprise whose sanction reaches the person is sanctioned: marked if drawn.
  for (const r of found.restrictions) {
    if (r.subject_kind === "enterprise") cy.getElementById(enterpriseId(r.subject_id)).addClass("sanctioned");
  }
  return found;
}

const roleHolder = (role) => (role.person_id.includes("*") ? `pm:${role.record_id}` : `p:${role.person_id}`);

// The enterprise's standing on the date (GET /enterprises/{code}/standing): its own
// sanctions, its restricted holders, the roles taken while barred (违规任职).
async function markEnterprise(node) {
  const found = await guarded("Standing", () => get(`/enterprises/${encodeURIComponent(node.data("key"))}/standing${query({ on: asOf() })}`));
  if (!found) return null;
  cy.batch(() => {
    node.toggleClass("sanctioned", found.sanctions.length > 0);
    for (const held of found.restricted) cy.getElementById(roleHolder(held.role)).addClass("restricted");
    for (const taken of found.irregular) {
      cy.getElementById(roleHolder(taken.role)).addClass("restricted");
      cy.getElementById(roleData(taken.role, roleHolder(taken.role)).id).addClass("irregular");
    }
  });
  return found;
}

function actions(node) {
  const buttons = [
    el("button", { type: "button", onclick: () => expand(node) }, node.data("expanded") ? "More" : "Expand"),
    el("button", { type: "button", onclick: () => collapse(node) }, "Collapse"),
    el("button", { type: "button", onclick: () => { togglePin(node); showNode(node); } }, node.hasClass("pinned") ? "Unpin" : "Pin"),
    el("button", { type: "button", onclick: () => { node.addClass("hidden"); details(); } }, "Hide"),
  ];
  if (may("connections.find") && node.data("key")) {
    buttons.push(
      el("button", { type: "button", onclick: () => choosePath("a", node) }, "Path from"),
      el("button", { type: "button", onclick: () => choosePath("b", node) }, "Path to"),
    );
  }
  return el("div", { class: "row" }, buttons);
}

function togglePin(node) {
  if (node.hasClass("pinned")) { node.removeClass("pinned"); node.unlock(); }
  else { node.addClass("pinned"); node.lock(); }
}

function details(...children) {
  $("details").replaceChildren(...children);
}

function restrictionView(r) {
  const chain = [
    `sanction ${r.sanction_id} (${r.sanction_type})`,
    `→ ${r.subject_kind} ${r.subject_id}`,
    r.role ? `→ ${ROLE_NAMES[r.role] || r.role} ${interval(r.role_since, r.role_until)}` : null,
    `→ person ${r.person_id}`,
  ].filter(Boolean).join(" ");
  const trace = may("sanction.trace")
    ? el("button", { type: "button", class: "trace", onclick: () => traceSanction(r.sanction_id) }, "Everyone this sanction reaches")
    : null;
  return el("div", { class: "restriction" },
    el("strong", {}, `${r.measure} — ${r.status}`),
    el("div", { class: "small" }, `${r.valid_from} – ${r.ends_on}; bars: ${r.bars.map((b) => ROLE_NAMES[b] || b).join(", ")}`),
    el("div", { class: "chain" }, chain),
    el("p", { class: "explanation" }, r.explanation),
    el("p", { class: "small explanation-en" }, r.explanation_en),
    trace);
}

async function traceSanction(sanctionId) {
  const found = await guarded("Trace", () => post("/sanctions/trace", { sanction_id: sanctionId, on: asOf() }));
  if (!found) return;
  const box = el("div", { class: "trace-result" },
    el("h2", {}, `Sanction ${found.sanction_id} reaches ${found.restrictions.length}`),
    found.restrictions.map(restrictionView));
  $("details").append(box);
}

async function showNode(node) {
  if (node.data("kind") === "more") return morePeople(node.data("of"));
  const kind = node.data("kind");
  const head = el("div", {},
    el("h2", {}, kind === "person" ? "Person" : "Enterprise"),
    el("dl", {},
      el("dt", {}, "Name"), el("dd", { class: "name" }, node.data("label").split("\n")[0]),
      el("dt", {}, kind === "person" ? "ID" : "Credit code"), el("dd", { class: "key" }, node.data("shown") || node.data("key")),
      el("dt", {}, "Roles drawn"), el("dd", {}, String(node.connectedEdges("[role]").length))),
    actions(node));
  details(head);
  if (kind === "person") {
    if (node.data("masked")) { $("details").append(el("p", { class: "small" }, "Masked for your role.")); return; }
    const found = await markPerson(node);
    if (!found) return;
    const list = el("div", { class: "restrictions" },
      el("h2", {}, `Restrictions on ${found.on}: ${found.restrictions.length}`),
      found.person_known ? null : el("p", { class: "small" }, "No record held of this person (not a clearance)."),
      found.restrictions.map(restrictionView));
    $("details").append(list);
  } else {
    const found = await markEnterprise(node);
    if (found) $("details").append(standingView(found));
  }
}

function standingView(found) {
  const holder = (role) => `${ROLE_NAMES[role.role] || role.role} ${role.person_id} (${interval(role.since, role.until)})`;
  return el("div", { class: "standing" },
    el("h2", {}, `Standing on ${found.on}`),
    el("p", { class: "standing-summary" }, `${found.sanctions.length} sanction(s), ${found.restricted.length} restricted holder(s), ${found.irregular.length} role(s) taken while barred`),
    found.sanctions.map((s) => el("div", { class: "restriction sanction" },
      el("strong", {}, `${s.type} — ${s.status}`),
      el("div", { class: "small" }, `${s.decision_no}, ${s.authority}, ${s.decided_on}`),
      may("sanction.trace") ? el("button", { type: "button", class: "trace", onclick: () => traceSanction(s.sanction_id) }, "Everyone this sanction reaches") : null)),
    found.restricted.map((h) => el("div", { class: "holder" }, el("h3", {}, holder(h.role)), h.restrictions.map(restrictionView))),
    found.irregular.map((a) => el("div", { class: "holder irregular" },
      el("h3", {}, `违规任职 · taken while barred: ${holder(a.role)}`), a.blocking.map(restrictionView))));
}

function showRole(edge) {
  if (!edge.data("role")) return;
  const person = edge.source(), company = edge.target();
  const box = el("div", {},
    el("h2", {}, "Role"),
    el("dl", {},
      el("dt", {}, "Role"), el("dd", {}, ROLE_NAMES[edge.data("role")] || edge.data("role")),
      el("dt", {}, "Held"), el("dd", {}, interval(edge.data("since"), edge.data("until"))),
      el("dt", {}, "Person"), el("dd", {}, person.data("label").replace("\n", " ")),
      el("dt", {}, "Enterprise"), el("dd", {}, company.data("label").replace("\n", " "))));
  if (may("appointment.check") && person.data("key")) {
    box.append(el("button", { type: "button", onclick: () => checkAppointment(person.data("key"), edge.data("role"), company.data("key"), asOf()) }, "Check this appointment"));
  } else {
    box.append(el("p", { class: "small" }, `The appointment check is for registration and HR systems (role appointment_checker); your role (${me.role}) may not run it.`));
  }
  details(box);
}

// -- appointment check ---------------------------------------------------------------

async function checkAppointment(person, role, enterprise, on) {
  const found = await guarded("Appointment check", () => post("/checks/appointment", { person, role, enterprise, on }));
  if (!found) return;
  const verdict = { allowed: "ALLOWED", blocked: "BLOCKED", no_record_held: "NO RECORD HELD (not a clearance)" }[found.outcome];
  $("check-result").replaceChildren(
    el("p", { class: found.allowed ? "ok" : "blocked" }, `${verdict}: ${ROLE_NAMES[found.role]} of ${found.enterprise} on ${found.on}`),
    found.blocking.map((b) => el("div", { class: "restriction" }, el("strong", {}, b.measure), el("div", { class: "small" }, `${b.sanction_type}; until ${b.valid_until}; ${b.rule}`))));
}

$("check-form").addEventListener("submit", (event) => {
  event.preventDefault();
  checkAppointment($("check-person").value.trim(), $("check-role").value, $("check-enterprise").value.trim(), $("check-on").value || null);
});

// -- path -------------------------------------------------------------------------------

function choosePath(end, node) {
  path[end] = node;
  $(`path-${end}`).textContent = node.data("label").split("\n")[0];
  $("path-find").disabled = !(path.a && path.b);
}

async function findPath() {
  const found = await guarded("Path", () => post("/connections", { a: path.a.data("key"), b: path.b.data("key"), on: asOf() }));
  if (!found) return;
  cy.elements().removeClass("path");
  const nodes = [], edges = [];
  for (const connection of found.connections) {
    connection.steps.forEach((step) => {
      if (step.kind === "person") nodes.push({ id: `p:${step.key}`, kind: "person", key: step.key, shown: step.key, label: step.key, masked: false });
      else nodes.push({ id: enterpriseId(step.key), kind: "enterprise", key: step.key, label: step.key, name: step.key });
    });
    connection.roles.forEach((role) => edges.push(roleData(role, `p:${role.person_id}`)));
  }
  addAround(cy, path.a, nodes, edges);
  for (const connection of found.connections) {
    connection.steps.forEach((step) => cy.getElementById(step.kind === "person" ? `p:${step.key}` : enterpriseId(step.key)).addClass("path"));
    connection.roles.forEach((role) => cy.getElementById(roleData(role, `p:${role.person_id}`).id).addClass("path"));
  }
  applyDate(cy, asOf());
  tidy(cy);
  const hops = found.connections.length ? found.connections[0].hops : 0;
  $("path-result").replaceChildren(el("p", { class: "path-summary" },
    found.connections.length ? `${found.connections.length} shortest chain(s) of ${hops} role(s)` : "No chain of roles connects them."));
}

$("path-find").addEventListener("click", findPath);

// -- date --------------------------------------------------------------------------------

function dateChanged() {
  applyDate(cy, asOf());
  status(asOf() ? `Roles held on ${asOf()}.` : "Roles of every date.");
}
$("asof").addEventListener("input", dateChanged);
$("asof").addEventListener("change", dateChanged);
$("asof-clear").addEventListener("click", () => { $("asof").value = ""; applyDate(cy, null); status("Roles of every date."); });

// -- view -------------------------------------------------------------------------------

$("relayout").addEventListener("click", () => relayout(cy));
$("show-hidden").addEventListener("click", () => cy.elements(".hidden").removeClass("hidden"));
$("fit").addEventListener("click", () => fitView(cy));

// -- cases -------------------------------------------------------------------------------

function caseDocument() {
  const nodes = cy.nodes("[kind = 'person'], [kind = 'enterprise']").map((n) => ({
    id: n.id(), kind: n.data("kind"), key: n.data("key"), label: n.data("label"),
    x: n.position("x"), y: n.position("y"), pinned: n.hasClass("pinned"), hidden: n.hasClass("hidden"),
    restricted: n.hasClass("restricted"), sanctioned: n.hasClass("sanctioned"),
  }));
  const edges = cy.edges("[role]").map((e) => ({
    id: e.id(), source: e.data("source"), target: e.data("target"), role: e.data("role"),
    since: e.data("since"), until: e.data("until"), label: e.data("label"),
  }));
  return { on: asOf(), notes: $("case-notes").value, nodes, edges };
}

function drawCase(doc) {
  cy.elements().remove();
  pages.clear();
  cy.add(doc.nodes.map((n) => ({
    group: "nodes", position: { x: n.x, y: n.y },
    data: { id: n.id, kind: n.kind, key: n.key, label: n.label, shown: n.key || n.label.split("\n")[1], masked: !n.key },
    classes: [n.pinned && "pinned", n.hidden && "hidden", n.restricted && "restricted", n.sanctioned && "sanctioned"].filter(Boolean).join(" "),
  })));
  cy.add(doc.edges.map((e) => ({ group: "edges", data: e })));
  cy.nodes(".pinned").lock();
  $("asof").value = doc.on || "";
  $("case-notes").value = doc.notes || "";
  applyDate(cy, asOf());
  cy.fit(undefined, 30);
}

async function listCases() {
  const found = await guarded("Cases", () => get("/cases"));
  if (!found) return;
  $("case-list").replaceChildren(...found.map((c) => el("option", { value: c.name }, `${c.name} (${c.nodes} nodes)`)));
}

$("case-save").addEventListener("click", async () => {
  const name = $("case-name").value.trim();
  if (!name) { status("Name the case first.", true); return; }
  const saved = await guarded("Save case", () => post("/cases", { name, ...caseDocument() }));
  if (!saved) return;
  await listCases();
  $("case-list").value = saved.name;
  status(`Case “${saved.name}” saved: ${saved.nodes} nodes.`);
});
$("case-refresh").addEventListener("click", listCases);
$("case-open").addEventListener("click", async () => {
  const name = $("case-list").value;
  if (!name) return;
  const found = await guarded("Open case", () => post("/cases/open", { name }));
  if (!found) return;
  drawCase(found);
  $("case-name").value = found.name;
  status(`Case “${found.name}” opened (saved ${found.saved_at}).`);
});
$("case-delete").addEventListener("click", async () => {
  const name = $("case-list").value;
  if (!name) return;
  await guarded("Delete case", () => post("/cases/delete", { name }));
  await listCases();
});

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const exportName = () => ($("case-name").value.trim() || "credlink-case").replace(/[^\w\u4e00-\u9fff-]+/g, "_");
$("export-png").addEventListener("click", () => download(`${exportName()}.png`, cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 })));
$("export-json").addEventListener("click", () => download(`${exportName()}.json`,
  new Blob([JSON.stringify({ name: $("case-name").value.trim(), ...caseDocument() }, null, 2)], { type: "application/json" })));

// For the browser tests and the benchmark: read-only views of the canvas.
window.credlinkExplorer = {
  counts: () => ({ nodes: cy.nodes(":visible").length, edges: cy.edges(":visible").length }),
  visibleLabels: () => cy.elements(":visible").map((e) => e.data("label")),
  node: (id) => cy.getElementById(id),
  select: (id) => { const n = cy.getElementById(id); cy.nodes().unselect(); n.select(); return showNode(n); },
  expand: (id) => expand(cy.getElementById(id)),
  role: (id) => showRole(cy.getElementById(id)),
  setDate: (day) => { $("asof").value = day || ""; applyDate(cy, asOf()); },
  cy: () => cy,
};

if (session.key()) signIn();
