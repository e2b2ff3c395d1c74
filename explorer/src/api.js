// The server's API as the explorer uses it: every request carries the key (from
// this tab's session storage) and the stated purpose; nothing else is contacted.

const KEY = "credlink.key";
const PURPOSE = "credlink.purpose";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const session = {
  key: () => sessionStorage.getItem(KEY),
  purpose: () => sessionStorage.getItem(PURPOSE) || "",
  remember(key) { sessionStorage.setItem(KEY, key); },
  choose(purpose) { sessionStorage.setItem(PURPOSE, purpose); },
  forget() { sessionStorage.removeItem(KEY); sessionStorage.removeItem(PURPOSE); },
};

function detailOf(body) {
  if (!body) return "";
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((p) => `${p.loc.join(".")}: ${p.msg}`).join("; ");
  return JSON.stringify(body);
}

export async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${session.key()}` };
  const purpose = session.purpose();
  if (purpose) headers["X-Purpose"] = encodeURIComponent(purpose);
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, detailOf(parsed) || response.statusText);
  return parsed;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);

export function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}
