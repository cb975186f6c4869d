import type { Store } from "../store/index.ts";
import type { StackPass } from "../store/stack-passes.ts";
import { hashId, isId, newId } from "./sessions.ts";

/**
 * STACK_SSO's tickets and passes (docs/sign-in.md, "Opening a stack"). A ticket carries a
 * signed-in person from the portal to one stack host, once, within seconds; the pass it becomes
 * is that host's cookie, bound to the portal session it came from. The browser holds the value,
 * the store only its hash.
 */

const TICKET_TTL_MS = 30_000;
/** The per-stack cookie lives this long and is renewed once half of it has passed. */
export const PASS_TTL_MS = 15 * 60_000;

export type TicketRedeemed = { ok: true; sessionHash: string; returnTo: string } | { ok: false; reason: "unknown or used" | "wrong host or expired" };

export class StackPasses {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private create(kind: "ticket" | "pass", pass: Omit<StackPass, "expiresAt">, ttlMs: number): string {
    const id = newId();
    const at = this.now();
    this.store.stackPasses.create(kind, hashId(id), { ...pass, expiresAt: at + ttlMs }, at);
    return id;
  }

  /** A one-time ticket for this person's session to open the stack at `host`. */
  ticket(host: string, stackName: string, sessionId: string, returnTo: string): string {
    return this.create("ticket", { host, stackName, sessionHash: hashId(sessionId), returnTo }, TICKET_TTL_MS);
  }

  /** Uses the ticket up, whatever it says; it holds only for its own host and stack, in time. */
  redeem(ticket: string, host: string, stackName: string): TicketRedeemed {
    const taken = isId(ticket) ? this.store.stackPasses.takeTicket(hashId(ticket)) : null;
    if (!taken) return { ok: false, reason: "unknown or used" };
    if (taken.expiresAt < this.now() || taken.host !== host || taken.stackName !== stackName) return { ok: false, reason: "wrong host or expired" };
    return { ok: true, sessionHash: taken.sessionHash, returnTo: taken.returnTo };
  }

  /** The cookie value of a new pass for the host, from a redeemed ticket's session. */
  pass(host: string, stackName: string, sessionHash: string): string {
    return this.create("pass", { host, stackName, sessionHash, returnTo: "/" }, PASS_TTL_MS);
  }

  /** The session a pass for this host and stack came from; null when it is unknown, elsewhere or over. */
  check(id: string, host: string, stackName: string): { sessionHash: string; renewDue: boolean } | null {
    if (!isId(id)) return null;
    const pass = this.store.stackPasses.getPass(hashId(id));
    const now = this.now();
    if (!pass || pass.expiresAt <= now || pass.host !== host || pass.stackName !== stackName) return null;
    return { sessionHash: pass.sessionHash, renewDue: pass.expiresAt - now < PASS_TTL_MS / 2 };
  }

  renew(id: string): void {
    this.store.stackPasses.extend(hashId(id), this.now() + PASS_TTL_MS);
  }

  /** Forgets a pass the browser still sends (its session is over, or it never held). */
  drop(id: string): void {
    if (isId(id)) this.store.stackPasses.delete(hashId(id));
  }
}
