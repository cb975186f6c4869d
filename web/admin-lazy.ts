import { byId } from "./dom.ts";
import { type Route, show } from "./router.ts";
import { isAdminHash } from "./state.ts";

/**
 * The admin view as the rest of the page sees it: its route entry, and the session's admin
 * rights. The view itself (admin.ts and its parts: admin-rollout.ts, admin-capacity.ts,
 * admin-fact.ts) is a chunk of its own, fetched the first time `#admin` is opened, so a
 * visitor who never opens it never downloads it.
 */

type Admin = typeof import("./admin.ts");

const el = {
  view: byId("view-admin"),
  /** The footer's link to it (app.ts wires its click). */
  link: byId<HTMLAnchorElement>("admin-link"),
};

let loaded: Admin | null = null;
let loading: Promise<Admin> | null = null;
/** Told by account.ts before the view may exist; handed over when it loads. */
let sessionAdmin = false;

/** The view's code, fetched and initialised once (a failed fetch is tried again next time). */
function loadAdmin(): Promise<Admin> {
  loading ??= import("./admin.ts").then(
    (admin) => {
      admin.initAdmin();
      admin.setSessionAdmin(sessionAdmin);
      loaded = admin;
      return admin;
    },
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/** Its entry in the router's table (app.ts `ROUTES`): the router fetches the chunk before `enter`. */
export const adminView: Route<true> = {
  section: el.view,
  match: (hash) => (isAdminHash(hash) ? true : null),
  lazy: { loaded: () => loaded !== null, load: loadAdmin },
  enter(_, moveFocus) {
    const already = !el.view.hidden;
    show(adminView);
    loaded?.showAdmin(moveFocus && !already);
  },
  shown: () => el.link.setAttribute("aria-current", "page"),
  leave() {
    el.link.removeAttribute("aria-current");
    loaded?.hideAdmin();
  },
  render: () => loaded?.renderAdmin(),
};

/** A person signed in through OIDC_ADMIN_GROUPS needs no token (account.ts says so). */
export function setSessionAdmin(on: boolean): void {
  sessionAdmin = on;
  loaded?.setSessionAdmin(on);
}
