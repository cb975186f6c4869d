import { createHash, randomBytes } from "node:crypto";
import type { Person } from "../stacks/owners/person.ts";
import type { Store } from "../store/index.ts";

/**
 * Server-side sessions: the cookie holds 256 random bits, the store holds their SHA-256 and
 * the person. A session ends after `idleMs` without a request or `maxAgeMs` after sign-in,
 * whichever comes first; a new sign-in always makes a new id (the old one is dropped).
 */

export type SessionLookup =
  | { state: "active"; person: Person; idToken: string | null }
  /** The cookie named a session that ended (idle, too old, or signed out elsewhere). */
  | { state: "expired" };

export const hashId = (id: string): string => createHash("sha256").update(id).digest("hex");
export const newId = (): string => randomBytes(32).toString("base64url");

/** Whether a value has the shape newId() gives (checked before it is hashed and looked up). */
export const isId = (id: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(id);

export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly opts: { idleMs: number; maxAgeMs: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Starts a session for the person; `previous` (the cookie sent with the callback) ends. */
  create(person: Person, idToken: string | null, previous?: string): string {
    const now = this.now();
    if (previous && isId(previous)) this.store.sessions.delete(hashId(previous));
    this.store.sessions.prune(now - this.opts.idleMs, now - this.opts.maxAgeMs);
    const id = newId();
    this.store.sessions.create(hashId(id), person, idToken, now);
    return id;
  }

  lookup(id: string): SessionLookup {
    if (!isId(id)) return { state: "expired" };
    return this.lookupHash(hashId(id));
  }

  /** As lookup, for a session known only by its hash (STACK_SSO's passes keep no cookie value). */
  lookupHash(hash: string): SessionLookup {
    const row = this.store.sessions.get(hash);
    const now = this.now();
    if (!row || now - row.seenAt > this.opts.idleMs || now - row.createdAt > this.opts.maxAgeMs) {
      if (row) this.store.sessions.delete(hash);
      return { state: "expired" };
    }
    // Written at most every tenth of the idle time (and at least every minute), not per request.
    if (now - row.seenAt > Math.min(60_000, this.opts.idleMs / 10)) this.store.sessions.touch(hash, now);
    return { state: "active", person: row.person, idToken: row.idToken };
  }

  end(id: string): void {
    if (!isId(id)) return;
    this.store.sessions.delete(hashId(id));
    // Stack access (STACK_SSO) ends with the session.
    this.store.stackPasses.deleteForSession(hashId(id));
  }
}
