import * as api from "./api.ts";
import { type Message, byId, h, showMessage } from "./dom.ts";
import { code, formatDateTime } from "./i18n.ts";
import { explain } from "./messages.ts";

/**
 * The admin view's audit log (GET /api/admin/audit): newest first, filtered by stack, action
 * and who, a page at a time ("Show older entries" follows the answer's `next`).
 */

const el = {
  form: byId<HTMLFormElement>("audit-form"),
  stack: byId<HTMLInputElement>("audit-stack"),
  action: byId<HTMLInputElement>("audit-action"),
  actor: byId<HTMLSelectElement>("audit-actor"),
  actions: byId("audit-actions"),
  error: byId("audit-error"),
  none: byId("audit-none"),
  entries: byId<HTMLTableSectionElement>("audit-entries"),
  more: byId<HTMLButtonElement>("audit-more"),
};

let token: () => string | null = () => null;
let onAuthProblem: (code: string) => void = () => {};
let entries: api.AuditPage["entries"] = [];
let next: string | null = null;
let loaded = false;
let message: Message | null = null;
let seq = 0;

/** The first page for the filters as they are now. */
export async function loadAudit(): Promise<void> {
  entries = [];
  next = null;
  await fetchPage({ stack: el.stack.value.trim().toLowerCase(), action: el.action.value.trim(), actor: el.actor.value });
}

async function fetchPage(query: api.AuditQuery | string): Promise<void> {
  const current = token();
  if (!current) return;
  const mine = ++seq;
  const res = await api.auditPage(current, query);
  if (mine !== seq || token() !== current) return;
  if (!res.ok) {
    if (res.status === 401 || res.status === 403) return onAuthProblem(res.error.code);
    message = explain(res.error.code);
  } else {
    entries = [...entries, ...res.value.entries];
    next = res.value.next;
    message = null;
  }
  loaded = true;
  renderAudit();
}

export function forgetAudit(): void {
  seq++;
  entries = [];
  next = null;
  loaded = false;
  message = null;
  renderAudit();
}

export function renderAudit(): void {
  showMessage(el.error, message);
  el.none.hidden = !loaded || entries.length > 0 || message !== null;
  el.more.hidden = next === null;
  el.entries.replaceChildren(
    ...entries.map((e) =>
      h(
        "tr",
        { "data-entry": String(e.id), "data-action": e.action },
        h("td", {}, h("time", { datetime: e.at }, formatDateTime(Date.parse(e.at)))),
        h("td", {}, code(e.action)),
        h("td", {}, e.stackName ? code(e.stackName, "code name-value") : ""),
        h("td", {}, code(e.actor), e.person?.email ? ` ${e.person.email}` : ""),
        h("td", {}, code(e.outcome)),
        h("td", {}, e.client ? code(e.client) : ""),
      ),
    ),
  );
  // The actions seen so far, offered while typing the action filter.
  const seen = [...new Set(entries.map((e) => e.action))].sort();
  el.actions.replaceChildren(...seen.map((a) => h("option", { value: a })));
}

export function initAudit(getToken: () => string | null, authProblem: (code: string) => void): void {
  token = getToken;
  onAuthProblem = authProblem;
  el.form.addEventListener("submit", (e) => {
    e.preventDefault();
    void loadAudit();
  });
  el.more.addEventListener("click", () => {
    if (next) void fetchPage(next);
  });
}
