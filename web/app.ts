import { adminView } from "./admin-lazy.ts";
import { initAccount, renderAccount } from "./account.ts";
import { initConfirm, renderConfirm } from "./confirm.ts";
import { initDeleteDialog, renderDeleteDialog } from "./delete-dialog.ts";
import { byId } from "./dom.ts";
import { initLang, isLang, lang, onLangChange, prefetchCatalogs, setLang } from "./i18n.ts";
import { loadOutcome, renderLoadFailure } from "./load-failure.ts";
import { navigate, renderAll as renderViews, route, setRoutes, viewOf } from "./router.ts";
import { initStack, openStack, stackView } from "./stack-page.ts";
import * as saved from "./state.ts";
import { initProgress, leaveAllowed, progressView } from "./views/progress.ts";
import { initStart, startView, suggestName } from "./views/start.ts";

/**
 * The page's entry: its views in the router's table, and `init()`, which waits for the
 * person's language, wires each view (`init…()`) and what belongs to no view (the language
 * picker, the admin link, the address), then shows the view the address names.
 * Every view is drawn from state, so switching language simply draws it again.
 */

const el = {
  langSelect: byId<HTMLSelectElement>("lang-select"),
  adminLink: byId<HTMLAnchorElement>("admin-link"),
  adminBack: byId<HTMLAnchorElement>("admin-back"),
};

/**
 * The page's views, in the order their addresses are tried (the start view takes any).
 * A new view is one more entry here and its section in index.html (see router.ts).
 */
const ROUTES = [progressView, stackView, adminView, startView] as const;

/** The footer's admin link: once-only details still on screen are asked about first. */
async function goAdmin(): Promise<void> {
  if (!(await leaveAllowed())) return;
  if (!saved.isAdminHash(location.hash)) history.pushState(null, "", saved.ADMIN_HASH);
  route(true);
}

// ---------------------------------------------------------------------------------------
// Language

/** The options come with index.html (each language by its own name: web/catalogs.ts). */
function renderLangOptions(): void {
  el.langSelect.value = lang();
}

/** A language switch: everything drawn again. */
function renderAll(): void {
  renderLangOptions();
  renderLoadFailure();
  renderConfirm();
  renderDeleteDialog();
  renderAccount();
  renderViews();
}

// ---------------------------------------------------------------------------------------

async function init(): Promise<void> {
  // Nothing is drawn before the catalog of the person's language is here (a chunk, unless
  // English): the page shows the server's English meanwhile, as before the script ran.
  const first = await initLang();
  setRoutes(ROUTES);
  if (!first.loaded) loadOutcome(`lang:${first.wanted}`, false);
  renderLangOptions();
  onLangChange(renderAll);
  el.langSelect.addEventListener("change", () => {
    // Back to the language shown if its catalog could not be fetched.
    const chosen = el.langSelect.value;
    if (isLang(chosen))
      void setLang(chosen).then((ok) => {
        loadOutcome(`lang:${chosen}`, ok);
        renderLangOptions();
      });
  });

  initStart();
  initStack();
  initAccount({
    openDeployment: (id) => navigate(saved.hashFor(id)),
    openStack: (name) => openStack(name),
    suggestName,
  });
  initConfirm();
  initDeleteDialog();
  initProgress();
  el.adminLink.addEventListener("click", (e) => {
    e.preventDefault();
    void goAdmin();
  });
  el.adminBack.addEventListener("click", (e) => {
    e.preventDefault();
    navigate(null);
  });

  window.addEventListener("popstate", () => route(true));
  // An address typed or edited by hand: follow it unless popstate already did.
  window.addEventListener("hashchange", () => {
    if (viewOf(location.hash).section.hidden) route(true);
  });

  // A reload without the hash (or a lost one): the deployment of this tab, if any. Not when
  // the person opens the portal's root address: that is the start page, as they asked.
  const reloaded = (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)?.type === "reload";
  if (reloaded && viewOf(location.hash) === startView) {
    const current = saved.currentDeployment();
    if (current) history.replaceState(null, "", saved.hashFor(current));
  }
  route(false);
  // Ready once the picker can switch at once (the other catalogs, after the first drawing).
  await prefetchCatalogs();
  document.documentElement.dataset.ready = "true";
}

void init();
