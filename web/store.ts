import type { PortalInfo } from "./api.ts";

/**
 * The values more than one view reads: set in one place, drawn again by every view that
 * subscribed. What only one view uses stays in its file; what survives a reload is state.ts.
 */
interface Shared {
  /** The portal's quarantine and typical deploy time (GET /api/info, portal-info.ts). */
  portalInfo: PortalInfo | null;
}

const values: Shared = { portalInfo: null };
const listeners: Record<keyof Shared, (() => void)[]> = { portalInfo: [] };

export const get = <K extends keyof Shared>(key: K): Shared[K] => values[key];

export function set<K extends keyof Shared>(key: K, value: Shared[K]): void {
  values[key] = value;
  for (const listener of listeners[key]) listener();
}

/** For the page's life: views are never torn down, so there is no unsubscribing. */
export function subscribe(key: keyof Shared, listener: () => void): void {
  listeners[key].push(listener);
}
