import * as api from "./api.ts";
import { type Message, byId, h } from "./dom.ts";
import { type Key, code, formatNumber, lang, t, tn } from "./i18n.ts";
import { stackStatusKey } from "./messages.ts";
import { adminFact } from "./admin-fact.ts";

/**
 * The admin view's capacity card (GET /api/admin/capacity): the fleet's stacks by status and
 * by image, and per server its stacks, what they reserve and may use against the server's
 * memory and CPUs, its room for new stacks (placement's own rule), and the stacks a server
 * that is down or drained affects. Loaded with the admin view and on Refresh; drawn from
 * state, so a language switch redraws it.
 */

type Report = api.CapacityReport;
type Server = NonNullable<Report["nodes"]>[number];

const el = {
  error: byId("capacity-error"),
  fleet: byId("capacity-fleet"),
  images: byId<HTMLUListElement>("capacity-images"),
  nodesError: byId("capacity-nodes-error"),
  nodes: byId<HTMLUListElement>("capacity-nodes"),
};

function statusText(status: string): string | HTMLElement {
  const key = stackStatusKey(status);
  return key ? t(key) : code(status);
}

const HEALTH: Record<Server["health"], Key> = {
  ready: "capacity.health_ready",
  down: "capacity.health_down",
  drained: "capacity.health_drained",
  paused: "capacity.health_paused",
  gone: "capacity.health_gone",
};
// The stack list's badge colours: fine, waiting, out.
const TONE: Record<Server["health"], string> = { ready: "ready", paused: "deploying", drained: "deploying", down: "failed", gone: "failed" };

let token: () => string | null = () => null;
let onAuthProblem: (code: string) => void = () => {};
let report: Report | null = null;
let message: Message | null = null;

export async function loadCapacity(): Promise<void> {
  const current = token();
  if (!current) return;
  const res = await api.capacity(current);
  if (token() !== current) return;
  if (res.ok) {
    report = res.value;
    message = null;
  } else if (res.status === 401 || res.status === 403) return onAuthProblem(res.error.code);
  else message = () => t("capacity.error");
  renderCapacity();
}

export function forgetCapacity(): void {
  report = null;
  message = null;
  renderCapacity();
}

const GiB = 1024 ** 3;
const decimals = (n: number, digits: number) => new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(n);
const memory = (bytes: number | null) => (bytes === null ? t("capacity.not_set") : t("capacity.gib", { n: decimals(bytes / GiB, 1) }));
const cpus = (nano: number | null) => (nano === null ? t("capacity.not_set") : t("capacity.cpus", { n: decimals(nano / 1e9, 2) }));
const ofServer = (have: number | null, show: (n: number | null) => string) => (have === null ? t("capacity.unknown") : show(have));

const fact = (label: Key, value: string | Node, id: string) => adminFact(id, t(label), value);

function room(n: Server): string {
  if (n.freeStacks === null) return t(n.takesNewStacks ? "capacity.room_unbounded" : "capacity.room_full");
  return n.freeStacks === 0 ? t("capacity.room_full") : t("capacity.room", { count: n.freeStacks });
}

function nodeItem(n: Server): HTMLElement {
  const affected = n.affected.length
    ? h("span", {}, ...n.affected.flatMap((s, i) => [i > 0 ? ", " : "", code(s.name, "code name-value")]))
    : t("capacity.affected_none");
  return h(
    "li",
    { class: "stack-item", "data-node": n.hostname, "data-health": n.health },
    h(
      "div",
      { class: "stack-head" },
      h("span", { class: "stack-name" }, code(n.hostname, "code name-value")),
      h("span", { class: `stack-status stack-status--${TONE[n.health]}` }, t(HEALTH[n.health])),
    ),
    h(
      "dl",
      { class: "stack-facts" },
      fact(
        "capacity.role",
        n.role === "manager" ? t("capacity.role_manager") : n.role === null ? t("capacity.unknown") : t("capacity.role_worker"),
        "role",
      ),
      fact("capacity.stacks", t("capacity.stacks_value", { count: n.stacks, running: n.running }), "stacks"),
      fact(
        "capacity.memory",
        t("capacity.amounts", {
          reserved: memory(n.reserved.memoryBytes),
          limited: memory(n.limited.memoryBytes),
          total: ofServer(n.resources.memoryBytes, memory),
        }),
        "memory",
      ),
      fact(
        "capacity.cpu",
        t("capacity.amounts", {
          reserved: cpus(n.reserved.nanoCpus),
          limited: cpus(n.limited.nanoCpus),
          total: ofServer(n.resources.nanoCpus, cpus),
        }),
        "cpu",
      ),
      fact("capacity.room_label", room(n), "room"),
      fact("capacity.affected", affected, "affected"),
    ),
  );
}

function fleetPart(r: Report): HTMLElement[] {
  const f = r.fleet;
  const count = (key: Key, n: number | string, id: string) =>
    h("div", { class: "count", "data-count": id }, h("dt", {}, t(key)), h("dd", {}, typeof n === "number" ? formatNumber(n) : n));
  const statuses = Object.entries(f.byStatus).filter(([, n]) => n > 0);
  return [
    h(
      "dl",
      { class: "counts" },
      count("capacity.live", f.maxStacks === null ? formatNumber(f.live) : t("capacity.of", { n: f.live, max: f.maxStacks }), "live"),
      count("capacity.free", f.freeStacks === null ? t("capacity.no_limit") : f.freeStacks, "free"),
      count("capacity.running", f.byRunState.running, "running"),
      count("capacity.stopped", f.byRunState.stopped, "stopped"),
      // The warm pool's stacks hold room too, though they are in no list.
      ...(r.pool.wanted > 0 || r.pool.ready + r.pool.warming > 0
        ? [count("capacity.pool", t("capacity.of", { n: r.pool.ready, max: r.pool.wanted }), "pool")]
        : []),
    ),
    h("h4", {}, t("capacity.by_status")),
    h(
      "ul",
      { class: "capacity-list", "data-list": "status" },
      ...statuses.map(([status, n]) => h("li", { "data-status": status }, statusText(status), ": ", formatNumber(n))),
    ),
  ];
}

export function renderCapacity(): void {
  el.error.hidden = message === null;
  if (message) el.error.replaceChildren(message());
  if (!report) {
    el.fleet.replaceChildren();
    el.images.replaceChildren();
    el.nodes.replaceChildren();
    el.nodesError.hidden = true;
    return;
  }
  const r = report;
  el.fleet.replaceChildren(...fleetPart(r));
  const images = Object.entries(r.fleet.byImage).sort((a, b) => b[1] - a[1]);
  el.images.replaceChildren(
    ...(images.length
      ? images.map(([image, n]) =>
          h(
            "li",
            { "data-image": image },
            // On a line of its own: a long reference wraps inside its own left-to-right box,
            // never interleaved with the right-to-left words around it.
            code(image, "code image-ref"),
            t("capacity.image_stacks", { count: n }),
            image === r.fleet.currentImage ? h("span", { class: "hint", "data-current": "" }, ` (${t("capacity.current_image")})`) : null,
            image === r.fleet.defaultImage && image !== r.fleet.currentImage
              ? h("span", { class: "hint", "data-default": "" }, ` (${t("capacity.default_image")})`)
              : null,
          ),
        )
      : [h("li", {}, t("capacity.no_images"))]),
    ...(r.fleet.pendingImages > 0 ? [h("li", { class: "hint" }, t("capacity.pending_images", { count: r.fleet.pendingImages }))] : []),
  );
  el.nodesError.hidden = r.nodesError === null;
  if (r.nodesError !== null) el.nodesError.replaceChildren(tn("capacity.nodes_error"));
  el.nodes.hidden = r.nodes === null;
  el.nodes.replaceChildren(...(r.nodes ?? []).map(nodeItem));
}

export function initCapacity(getToken: () => string | null, authProblem: (code: string) => void): void {
  token = getToken;
  onAuthProblem = authProblem;
}
