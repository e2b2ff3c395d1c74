// The canvas: Cytoscape.js, persons as ellipses and enterprises as rectangles,
// roles as labelled edges with their interval. New neighbours are placed on rings
// around the node they came from (no global layout on each expansion: drawing a
// few thousand nodes stays quick, pinned nodes never move).

import cytoscape from "/ui/vendor/cytoscape.esm.min.mjs";

export const ROLE_NAMES = {
  legal_representative: "legal rep.",
  director: "director",
  supervisor: "supervisor",
  senior_manager: "senior manager",
  shareholder: "shareholder",
};

const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "text-wrap": "wrap", "text-max-width": "140px", "font-size": 9,
    "text-valign": "bottom", "text-margin-y": 3, color: "#1d2330",
    "border-width": 1, "border-color": "#334", "min-zoomed-font-size": 7,
  } },
  { selector: "node[kind = 'person']", style: { shape: "ellipse", "background-color": "#3b6fb6", width: 22, height: 22 } },
  { selector: "node[kind = 'enterprise']", style: { shape: "round-rectangle", "background-color": "#e0a030", width: 34, height: 24 } },
  { selector: "node[kind = 'more']", style: { shape: "tag", "background-color": "#ccd", width: 18, height: 18, "font-style": "italic" } },
  { selector: "node.restricted, node.sanctioned", style: { "border-width": 4, "border-color": "#c62828" } },
  { selector: "node.sanctioned", style: { "background-color": "#f08a80" } },
  { selector: "node.pinned", style: { "border-style": "double", "border-width": 5 } },
  { selector: "node.faded", style: { opacity: 0.25 } },
  { selector: ".hidden, .off", style: { display: "none" } },
  { selector: "node:selected", style: { "overlay-color": "#1e88e5", "overlay-opacity": 0.25 } },
  { selector: "edge", style: {
    width: 1.5, "line-color": "#8a94a6", "curve-style": "bezier", label: "data(label)",
    "font-size": 7, "text-rotation": "autorotate", "text-background-color": "#fbfbfd",
    "text-background-opacity": 1, color: "#445", "min-zoomed-font-size": 6,
  } },
  { selector: "edge[role = 'legal_representative']", style: { "line-color": "#6a4bc4", width: 2.5 } },
  { selector: "edge.irregular", style: { "line-color": "#c62828", "line-style": "dashed", width: 3 } },
  { selector: "edge.path", style: { "line-color": "#1e88e5", width: 4, "z-index": 10 } },
  { selector: "node.path", style: { "border-color": "#1e88e5", "border-width": 4 } },
  { selector: "edge:selected", style: { "line-color": "#1e88e5" } },
];

export function createGraph(container) {
  return cytoscape({
    container, style: STYLE, elements: [],
    minZoom: 0.05, maxZoom: 4, textureOnViewport: true, hideEdgesOnViewport: true,
    // Labels too small to read at the current zoom are not drawn (min-zoomed-font-size),
    // and one canvas pixel per CSS pixel: a few thousand nodes pan smoothly.
    pixelRatio: 1,
  });
}

export const personId = (person, role) => (person.person_id.includes("*")
  ? `pm:${role ? role.record_id : person.person_id}` : `p:${person.person_id}`);
export const enterpriseId = (code) => `e:${code}`;

export function personData(person, role) {
  const masked = person.person_id.includes("*");
  return {
    id: personId(person, role), kind: "person", key: masked ? null : person.person_id,
    shown: person.person_id, label: `${person.name}\n${person.person_id}`, masked,
  };
}

export function enterpriseData(enterprise) {
  return {
    id: enterpriseId(enterprise.credit_code), kind: "enterprise", key: enterprise.credit_code,
    label: `${enterprise.name}\n${enterprise.credit_code}`, name: enterprise.name,
  };
}

export function interval(since, until) {
  return `${since || "…"} – ${until || "…"}`;
}

export function roleData(role, personNode) {
  return {
    id: `r:${role.source}:${role.record_id}:${personNode}:${role.credit_code}:${role.role}`,
    source: personNode, target: enterpriseId(role.credit_code), role: role.role,
    since: role.since, until: role.until,
    label: `${ROLE_NAMES[role.role] || role.role} ${interval(role.since, role.until)}`,
  };
}

// Add nodes (data objects) around `center` and the edges; returns the added nodes.
export function addAround(cy, center, nodes, edges) {
  const fresh = nodes.filter((n) => cy.getElementById(n.id).empty());
  const origin = center && center.nonempty() ? center.position() : { x: 0, y: 0 };
  const added = [];
  const perRing = (ring) => 12 + ring * 10;
  let ring = 1, slot = 0;
  const offset = Math.random() * Math.PI * 2;
  for (const data of fresh) {
    if (slot >= perRing(ring)) { ring += 1; slot = 0; }
    const angle = offset + (2 * Math.PI * slot) / Math.min(perRing(ring), fresh.length - added.length + slot);
    const radius = 90 * ring;
    added.push({ group: "nodes", data, position: { x: origin.x + radius * Math.cos(angle), y: origin.y + radius * Math.sin(angle) } });
    slot += 1;
  }
  const known = new Set();
  const newEdges = edges.filter((e) => {
    if (known.has(e.id) || cy.getElementById(e.id).nonempty()) return false;
    known.add(e.id);
    return true;
  }).map((data) => ({ group: "edges", data }));
  cy.batch(() => cy.add([...added, ...newEdges]));
  if (added.length > 200) fitView(cy);
  return cy.collection(added.map((a) => cy.getElementById(a.data.id)));
}

// Only roles held on `day` (ISO date; null: every role) are drawn; nodes left
// without a drawn role are faded.
export function applyDate(cy, day) {
  cy.batch(() => {
    cy.edges("[role]").forEach((edge) => {
      const since = edge.data("since"), until = edge.data("until");
      const held = !day || ((!since || since <= day) && (!until || day < until));
      edge.toggleClass("off", !held);
    });
    cy.nodes("[kind = 'person'], [kind = 'enterprise']").forEach((node) => {
      const edges = node.connectedEdges("[role]");
      node.toggleClass("faded", Boolean(day) && edges.nonempty() && edges.filter(":visible").empty() && edges.not(".off").empty());
    });
  });
}

export function fitView(cy) {
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); }
}

export function relayout(cy) {
  const layout = cy.elements(":visible").layout({
    name: cy.nodes().length > 600 ? "concentric" : "cose", animate: false, randomize: false,
    fit: false, nodeDimensionsIncludeLabels: true, idealEdgeLength: () => 110,
    nodeRepulsion: () => 12000,
  });
  layout.run();
  fitView(cy);
}

// After a change to a small drawing, lay it out again (pinned nodes stay put);
// a large one keeps the ring placement (a force layout of thousands is slow).
export function tidy(cy) {
  if (cy.nodes().length <= 150) relayout(cy);
}
