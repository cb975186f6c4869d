/**
 * The admin view as the rest of the page sees it. The view itself (admin.ts and its parts:
 * admin-rollout.ts, admin-capacity.ts, admin-fact.ts) is a chunk of its own, fetched the
 * first time `#admin` is opened, so a visitor who never opens it never downloads it.
 */

type Admin = typeof import("./admin.ts");

let loaded: Admin | null = null;
let loading: Promise<Admin> | null = null;
/** Told by account.ts before the view may exist; handed over when it loads. */
let sessionAdmin = false;

/** The view's code, fetched and initialised once (a failed fetch is tried again next time). */
export function loadAdmin(): Promise<Admin> {
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

export function adminLoaded(): boolean {
  return loaded !== null;
}

/** Only once loaded: the router waits for `loadAdmin()` before it shows the view. */
export function showAdmin(moveFocus: boolean): void {
  loaded?.showAdmin(moveFocus);
}

export function hideAdmin(): void {
  loaded?.hideAdmin();
}

export function renderAdmin(): void {
  loaded?.renderAdmin();
}

/** A person signed in through OIDC_ADMIN_GROUPS needs no token (account.ts says so). */
export function setSessionAdmin(on: boolean): void {
  sessionAdmin = on;
  loaded?.setSessionAdmin(on);
}
