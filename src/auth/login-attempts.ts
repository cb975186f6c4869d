import type { Store } from "../store/index.ts";
import type { LoginAttempt } from "../store/sessions.ts";
import { hashId, newId } from "./sessions.ts";

/**
 * A "Sign in" in flight: the provider's state, nonce and PKCE verifier, kept for the browser
 * that started it (its cookie holds the id) until the provider sends it back, once.
 */
export class LoginAttempts {
  constructor(
    private readonly store: Store,
    /** How long "Sign in" may take at the provider before the attempt is forgotten. */
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores the attempt; its id goes in the browser's cookie. */
  begin(attempt: Omit<LoginAttempt, "createdAt">): string {
    const id = newId();
    const at = this.now();
    this.store.loginAttempts.prune(at - this.ttlMs);
    this.store.loginAttempts.create(hashId(id), { ...attempt, createdAt: at });
    return id;
  }

  /** The attempt this browser started, used up; null when there is none or it took too long. */
  take(id: string | null | undefined): LoginAttempt | null {
    const attempt = id ? this.store.loginAttempts.take(hashId(id)) : null;
    return attempt && this.now() - attempt.createdAt <= this.ttlMs ? attempt : null;
  }
}
