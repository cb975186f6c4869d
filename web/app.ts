import { adminLoaded, hideAdmin, loadAdmin, renderAdmin, showAdmin } from "./admin-lazy.ts";
import { initAccount, renderAccount } from "./account.ts";
import { byId } from "./dom.ts";
import { initLang, isLang, lang, onLangChange, prefetchCatalogs, setLang } from "./i18n.ts";
import * as saved from "./state.ts";
import { initConfirm, renderConfirm } from "./confirm.ts";
import { type Route, navigate, renderAll as renderViews, route, setRoutes, show, viewOf } from "./router.ts";
import { initStack, openStack, stackView } from "./stack-page.ts";
import { initProgress, leaveAllowed, progressView } from "./views/progress.ts";
import { initStart, startView, suggestName } from "./views/start.ts";

/**
 * The page: choose a name (checked as you type), deploy, follow the progress live, get the
 * stack's address and once-only credentials; or delete a stack with its management token.
 * Behind the admin token, `#admin` lists every stack (see admin.ts).
 * Every view is drawn from state, so switching language simply draws it again.
 */

const el = {
  langSelect: byId<HTMLSelectElement>("lang-select"),
  viewAdmin: byId("view-admin"),
  adminLink: byId<HTMLAnchorElement>("admin-link"),
  adminBack: byId<HTMLAnchorElement>("admin-back"),
};

/**
 * The page's views, in the order their addresses are tried (the start view takes any).
 * A new view is one more entry here and its section in index.html (see router.ts).
 */
const adminView: Route<true> = {
  section: el.viewAdmin,
  match: (hash) => (saved.isAdminHash(hash) ? true : null),
  lazy: { loaded: adminLoaded, load: loadAdmin },
  enter(_, moveFocus) {
    const already = !el.viewAdmin.hidden;
    show(adminView);
    showAdmin(moveFocus && !already);
  },
  shown: () => el.adminLink.setAttribute("aria-current", "page"),
  leave() {
    el.adminLink.removeAttribute("aria-current");
    hideAdmin();
  },
  render: renderAdmin,
};
const ROUTES = [progressView, stackView, adminView, startView] as const;

async function goAdmin(): Promise<void> {
  if (!(await leaveAllowed())) return;
  if (!saved.isAdminHash(location.hash)) history.pushState(null, "", saved.ADMIN_HASH);
  route(true);
}

function go(deploymentId: string | null, replace = false): void {
  navigate(deploymentId ? saved.hashFor(deploymentId) : null, replace);
}

// ---------------------------------------------------------------------------------------
// Language

/** The options come with index.html (each language by its own name: web/catalogs.ts). */
function renderLangOptions(): void {
  el.langSelect.value = lang();
}

function renderAll(): void {
  renderLangOptions();
  renderConfirm();
  renderAccount();
  renderViews();
}

// ---------------------------------------------------------------------------------------

async function init(): Promise<void> {
  // Nothing is drawn before the catalog of the person's language is here (a chunk, unless
  // English): the page shows the server's English meanwhile, as before the script ran.
  await initLang();
  setRoutes(ROUTES);
  renderLangOptions();
  onLangChange(renderAll);
  el.langSelect.addEventListener("change", () => {
    // Back to the language shown if its catalog could not be fetched.
    if (isLang(el.langSelect.value)) void setLang(el.langSelect.value).then(renderLangOptions);
  });

  initStart();
  initStack();
  initAccount({
    openDeployment: (id) => go(id),
    openStack: (name) => openStack(name),
    suggestName,
  });
  initConfirm();
  initProgress();
  el.adminLink.addEventListener("click", (e) => {
    e.preventDefault();
    void goAdmin();
  });
  el.adminBack.addEventListener("click", (e) => {
    e.preventDefault();
    go(null);
  });

  window.addEventListener("popstate", () => route(true));
  // An address typed or edited by hand: follow it unless popstate already did.
  window.addEventListener("hashchange", () => {
    if (viewOf(location.hash).section.hidden) route(true);
  });

  // A reload without the hash (or a lost one): the deployment of this tab, if any.
  if (viewOf(location.hash) === startView) {
    const current = saved.currentDeployment();
    if (current) history.replaceState(null, "", saved.hashFor(current));
  }
  route(false);
  // Ready once the picker can switch at once (the other catalogs, after the first drawing).
  await prefetchCatalogs();
  document.documentElement.dataset.ready = "true";
}

void init();
