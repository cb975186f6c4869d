/**
 * What survives a reload, in this tab only (sessionStorage): which deployment is shown,
 * the once-only credentials of a deploy and a stack's new password until the person says they
 * saved them, and the admin token while an administrator is signed in.
 */

export interface Secrets {
  url: string;
  username: string;
  password: string;
  /** Absent with sign-in on (AUTH_MODE=oidc): the signed-in owner manages the stack. */
  managementToken?: string;
  /** A deleted name taken back: this token replaces the old one. */
  reclaimed?: boolean;
}

const CURRENT = "asd.current";
const SECRETS = "asd.secrets.";
const ADMIN = "asd.admin";
const MINE = "asd.mine";
const LOG = "asd.log.";
const PASSWORD = "asd.password.";

function read<T>(key: string): T | null {
  try {
    const raw = sessionStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage disabled or full: the page still works, a reload just forgets.
  }
}

export const currentDeployment = (): string | null => read<string>(CURRENT);
export const setCurrentDeployment = (id: string | null): void => write(CURRENT, id);

export const secretsFor = (deploymentId: string): Secrets | null => read<Secrets>(SECRETS + deploymentId);
export const saveSecrets = (deploymentId: string, secrets: Secrets): void => write(SECRETS + deploymentId, secrets);
export const forgetSecrets = (deploymentId: string): void => write(SECRETS + deploymentId, null);

/** A stack's new password (the owner page), until the person says it is saved. */
export const newPasswordFor = (stack: string): Secrets | null => read<Secrets>(PASSWORD + stack);
export const saveNewPassword = (stack: string, secrets: Secrets): void => write(PASSWORD + stack, secrets);
export const forgetNewPassword = (stack: string): void => write(PASSWORD + stack, null);

/** The last deploy started in this tab, for the start page's way back to it. */
export interface Mine {
  id: string;
  name: string;
}
export const mine = (): Mine | null => read<Mine>(MINE);
export const setMine = (value: Mine | null): void => write(MINE, value);

/** A failed deploy's log tail, read once with the token (which is then forgotten). */
export const logFor = (deploymentId: string): string[] | null => read<string[]>(LOG + deploymentId);
export const saveLog = (deploymentId: string, lines: string[]): void => write(LOG + deploymentId, lines);

/** The admin token: this tab only (never localStorage), until "Sign out" or the tab closes. */
export const adminToken = (): string | null => read<string>(ADMIN);
export const setAdminToken = (token: string | null): void => write(ADMIN, token);

/** The admin view's address: a bookmark opens it again. */
export const ADMIN_HASH = "#admin";
export const isAdminHash = (hash: string): boolean => hash === ADMIN_HASH;

/** The deployment id in the address (`#deployment=<id>`), so a reload or a link shows it again. */
export function deploymentFromHash(hash: string): string | null {
  const match = /^#deployment=([A-Za-z0-9-]{1,64})$/.exec(hash);
  return match?.[1] ?? null;
}

export const hashFor = (deploymentId: string): string => `#deployment=${deploymentId}`;
