import * as accountApi from "./account-api.ts";
import { setSessionAdmin } from "./admin-lazy.ts";
import type { Me, MyStack } from "./account-api.ts";
import { byId, h } from "./dom.ts";
import { type Key, code, t, tn } from "./i18n.ts";
import { errorKey } from "./messages.ts";

/**
 * Sign-in on the page (AUTH_MODE=oidc): "Sign in with <provider>", the person's name and
 * "Sign out" in the header; on the start view the outcome of a sign-in, the person's stacks
 * ("Your stacks") and claiming a stack made before sign-in. In open mode nothing shows.
 */

export interface AccountHooks {
  /** Show a deployment's progress or result (the app's own view). */
  openDeployment(id: string): void;
  /** Show a stack's own page ("Your stack"); the session authorises it. */
  openStack(name: string): void;
  /** A name to put in the name field when it is still empty. */
  suggestName(name: string): void;
}

const el = {
  header: byId("account"),
  panel: byId("account-panel"),
  deployForm: byId("deploy-form"),
};

let state: Me | null = null;
let hooks: AccountHooks | null = null;
/** `?signin=<outcome>` from the portal's redirect, shown once. */
let outcome: string | null = null;
let message: { key: Key; vars?: Record<string, string> } | null = null;
let confirming: string | null = null;
let suggested = false;
/** The portal says "expired" once (then forgets the cookie): keep saying it until a sign-in. */
let expired = false;

const OUTCOME: Record<string, Key> = {
  not_allowed: "account.not_allowed",
  failed: "account.failed",
  unavailable: "account.unavailable",
};

export function initAccount(h: AccountHooks): void {
  hooks = h;
  const params = new URLSearchParams(location.search);
  outcome = params.get("signin");
  if (outcome !== null) {
    params.delete("signin");
    const query = params.toString();
    history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  }
  void refreshAccount();
}

/** One request at a time: the start view and the page's start both ask at load. */
let refreshing: Promise<void> | null = null;

export function refreshAccount(): Promise<void> {
  refreshing ??= readAccount().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function readAccount(): Promise<void> {
  const answer = await accountApi.me();
  if (!answer.ok) return;
  state = answer.value;
  expired = state.person === null && (expired || state.expired);
  setSessionAdmin(state.authMode === "oidc" && state.person?.admin === true);
  if (state.authMode === "oidc" && state.person && state.suggestedName && !suggested) {
    suggested = true;
    hooks?.suggestName(state.suggestedName);
  }
  renderAccount();
}

export function renderAccount(): void {
  const me = state;
  if (me?.authMode !== "oidc") {
    el.header.hidden = true;
    el.panel.hidden = true;
    return;
  }
  el.header.hidden = false;
  el.panel.hidden = false;
  const provider = me.providerName;
  if (me.person) {
    const who = me.person.name ?? me.person.email ?? me.person.username ?? "";
    const parts: Node[] = [h("span", { class: "account-name", "data-person": "" }, tn("account.signed_in_as", { name: who }))];
    if (me.person.admin) parts.push(h("span", { class: "badge account-admin" }, t("account.admin")));
    parts.push(action(t("account.sign_out"), "sign-out", () => void signOut(), "button button--small"));
    el.header.replaceChildren(...parts);
  } else {
    el.header.replaceChildren(
      h("a", { class: "button button--small button--primary", href: me.signInUrl, "data-action": "sign-in" }, t("account.sign_in", { provider })),
    );
  }
  // Stacks shared with the person are not theirs: they do not count.
  const owned = me.stacks.filter((s) => s.role === "owner").length;
  const atLimit = me.person !== null && me.maxStacksPerUser > 0 && owned >= me.maxStacksPerUser;
  el.deployForm.hidden = me.person === null || atLimit;
  el.panel.replaceChildren(...panel(me, atLimit));
}

function panel(me: Extract<Me, { authMode: "oidc" }>, atLimit: boolean): Node[] {
  const provider = me.providerName;
  const notices: Node[] = [];
  const key = outcome ? OUTCOME[outcome] : undefined;
  if (key && !me.person)
    notices.push(
      h(
        "p",
        { class: `notice ${outcome === "not_allowed" ? "notice--error" : "notice--warning"}`, role: "alert", "data-signin": outcome ?? "" },
        t(key, { provider }),
      ),
    );
  else if (expired) notices.push(h("p", { class: "notice notice--warning", role: "alert", "data-signin": "expired" }, t("account.expired")));
  if (!me.person) {
    notices.push(
      h(
        "section",
        { class: "card", "aria-labelledby": "signin-heading" },
        h("h2", { id: "signin-heading" }, t("account.sign_in_heading")),
        h("p", {}, t("account.sign_in_needed", { provider })),
        h("div", { class: "actions" }, h("a", { class: "button button--primary", href: me.signInUrl }, t("account.sign_in", { provider }))),
      ),
    );
    return notices;
  }
  const list = h("ul", { class: "stack-list", id: "your-stacks-list" }, ...me.stacks.map(stackItem));
  notices.push(
    h(
      "section",
      { class: "card", id: "your-stacks", "aria-labelledby": "your-stacks-heading" },
      h("h2", { id: "your-stacks-heading" }, t("account.your_stacks")),
      me.stacks.length === 0 ? h("p", { class: "hint" }, t("account.no_stacks")) : list,
      atLimit ? h("p", { class: "notice", "data-limit": "" }, t("account.limit", { count: me.maxStacksPerUser })) : null,
      message ? h("p", { class: "notice", role: "status" }, t(message.key, message.vars)) : null,
    ),
    claimForm(),
  );
  return notices;
}

function stackItem(s: MyStack): HTMLLIElement {
  const buttons: Node[] = [];
  const deploymentId = s.deploymentId;
  if (s.status === "ready")
    buttons.push(action(t("stack.manage"), `manage-${s.name}`, () => hooks?.openStack(s.name), "button button--small button--primary"));
  if (deploymentId)
    buttons.push(action(t("account.details"), `details-${s.name}`, () => hooks?.openDeployment(deploymentId), "button button--small"));
  if (s.role === "owner" && (s.status === "ready" || s.status === "failed" || s.status === "cleanup_failed")) {
    if (confirming === s.name)
      buttons.push(
        h("span", { class: "hint" }, tn("account.delete_confirm", { name: code(s.name) })),
        action(t("delete.confirm_yes"), `delete-yes-${s.name}`, () => void remove(s.name), "button button--small button--danger"),
        action(t("delete.cancel"), `delete-no-${s.name}`, () => setConfirming(null), "button button--small"),
      );
    else buttons.push(action(t("account.delete"), `delete-${s.name}`, () => setConfirming(s.name), "button button--small button--danger"));
  }
  return h(
    "li",
    { class: "stack-item", "data-status": s.status, "data-stack": s.name, "data-role": s.role },
    h(
      "div",
      { class: "stack-head" },
      code(s.name),
      h("span", { class: "hint" }, t(`admin.status_${s.status}` as Key)),
      s.role === "owner"
        ? null
        : h(
            "span",
            { class: "badge", "data-shared": s.role },
            t("account.shared_with_you", { role: t(s.role === "manager" ? "shares.role_manager_short" : "shares.role_user_short") }),
          ),
    ),
    h("p", {}, h("a", { href: s.url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, s.url)),
    h("div", { class: "actions" }, ...buttons),
  );
}

function claimForm(): HTMLElement {
  const name = h("input", { id: "claim-name", type: "text", dir: "ltr", autocomplete: "off", spellcheck: "false", maxlength: "64", required: true });
  const token = h("input", { id: "claim-token", type: "password", dir: "ltr", autocomplete: "off", spellcheck: "false", required: true });
  const form = h(
    "form",
    { id: "claim-form", novalidate: true },
    h("p", {}, t("account.claim_intro")),
    h("div", { class: "field" }, h("label", { for: "claim-name" }, t("account.claim_name")), name),
    h("div", { class: "field" }, h("label", { for: "claim-token" }, t("delete.token_label")), token),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button", "data-action": "claim" }, t("account.claim_button"))),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void claim(name.value.trim().toLowerCase(), token.value.trim());
  });
  return h("details", { class: "card card--quiet", id: "claim-section" }, h("summary", { class: "summary-title" }, t("account.claim_heading")), form);
}

function action(label: string, id: string, onClick: () => void, className: string): HTMLButtonElement {
  const b = h("button", { type: "button", class: className, "data-action": id }, label);
  b.addEventListener("click", onClick);
  return b;
}

function setConfirming(name: string | null): void {
  confirming = name;
  renderAccount();
}

function problem(code: string): { key: Key; vars?: Record<string, string> } {
  const key = errorKey(code);
  return key ? { key } : { key: "error.unknown", vars: { code } };
}

async function remove(name: string): Promise<void> {
  confirming = null;
  const res = await accountApi.deleteOwn(name);
  if (!res.ok) {
    message = problem(res.code);
    return refreshAccount();
  }
  message = null;
  hooks?.openDeployment(res.value.deploymentId);
}

async function claim(name: string, token: string): Promise<void> {
  if (!name || !token) return;
  const res = await accountApi.claim(name, token);
  message = res.ok ? { key: "account.claimed", vars: { name } } : problem(res.code);
  await refreshAccount();
}

async function signOut(): Promise<void> {
  const res = await accountApi.signOut();
  location.assign(res.ok ? res.value.redirect : "/");
}
