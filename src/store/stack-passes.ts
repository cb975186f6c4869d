import type { Database } from "bun:sqlite";

/**
 * STACK_SSO's one-time tickets (portal -> stack host) and per-stack passes (the stack
 * cookie), keyed by the SHA-256 of the value the browser holds. Each is bound to one host
 * and to the portal session it came from. Times are epoch milliseconds.
 */

export type PassKind = "ticket" | "pass";

export interface StackPass {
  host: string;
  stackName: string;
  sessionHash: string;
  returnTo: string;
  expiresAt: number;
}

interface Row {
  host: string;
  stack_name: string;
  session_hash: string;
  return_to: string;
  expires_at: number;
}

const fromRow = (r: Row): StackPass => ({
  host: r.host,
  stackName: r.stack_name,
  sessionHash: r.session_hash,
  returnTo: r.return_to,
  expiresAt: r.expires_at,
});

export class StackPassRepo {
  constructor(private readonly db: Database) {}

  create(kind: PassKind, idHash: string, pass: StackPass, now: number): void {
    this.db.query(`DELETE FROM stack_passes WHERE expires_at < ?`).run(now);
    this.db
      .query(`INSERT INTO stack_passes (id_hash, kind, host, stack_name, session_hash, return_to, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(idHash, kind, pass.host, pass.stackName, pass.sessionHash, pass.returnTo, pass.expiresAt);
  }

  /** A ticket is used once: it is deleted as it is read, whether it still holds or not. */
  takeTicket(idHash: string): StackPass | null {
    const row = this.db
      .query(`DELETE FROM stack_passes WHERE id_hash = ? AND kind = 'ticket' RETURNING host, stack_name, session_hash, return_to, expires_at`)
      .get(idHash) as Row | null;
    return row ? fromRow(row) : null;
  }

  getPass(idHash: string): StackPass | null {
    const row = this.db
      .query(`SELECT host, stack_name, session_hash, return_to, expires_at FROM stack_passes WHERE id_hash = ? AND kind = 'pass'`)
      .get(idHash) as Row | null;
    return row ? fromRow(row) : null;
  }

  extend(idHash: string, expiresAt: number): void {
    this.db.query(`UPDATE stack_passes SET expires_at = ? WHERE id_hash = ?`).run(expiresAt, idHash);
  }

  delete(idHash: string): void {
    this.db.query(`DELETE FROM stack_passes WHERE id_hash = ?`).run(idHash);
  }

  /** Sign-out: every ticket and pass that came from the session. */
  deleteForSession(sessionHash: string): number {
    return this.db.query(`DELETE FROM stack_passes WHERE session_hash = ?`).run(sessionHash).changes;
  }
}
