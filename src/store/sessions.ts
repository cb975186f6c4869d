import type { Database } from "bun:sqlite";
import { type Person, person as personSchema } from "../stacks/owners/person.ts";

/**
 * Sign-in sessions and login attempts (AUTH_MODE=oidc). Rows are keyed by the SHA-256 of the
 * cookie value (the caller hashes), so reading the database does not let anyone in.
 * Times are epoch milliseconds.
 */

export interface SessionRow {
  person: Person;
  idToken: string | null;
  createdAt: number;
  seenAt: number;
}

export interface LoginAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  createdAt: number;
}

export class SessionRepo {
  constructor(private readonly db: Database) {}

  create(idHash: string, person: Person, idToken: string | null, now: number): void {
    this.db
      .query(`INSERT INTO sessions (id_hash, issuer, subject, person, id_token, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(idHash, person.issuer, person.subject, JSON.stringify(person), idToken, now, now);
  }

  get(idHash: string): SessionRow | null {
    const row = this.db.query(`SELECT person, id_token, created_at, seen_at FROM sessions WHERE id_hash = ?`).get(idHash) as {
      person: string;
      id_token: string | null;
      created_at: number;
      seen_at: number;
    } | null;
    if (!row) return null;
    return { person: personSchema.parse(JSON.parse(row.person)), idToken: row.id_token, createdAt: row.created_at, seenAt: row.seen_at };
  }

  touch(idHash: string, now: number): void {
    this.db.query(`UPDATE sessions SET seen_at = ? WHERE id_hash = ?`).run(now, idHash);
  }

  delete(idHash: string): void {
    this.db.query(`DELETE FROM sessions WHERE id_hash = ?`).run(idHash);
  }

  /** Drops sessions idle since `idleBefore` or created before `createdBefore`. */
  prune(idleBefore: number, createdBefore: number): number {
    return this.db.query(`DELETE FROM sessions WHERE seen_at < ? OR created_at < ?`).run(idleBefore, createdBefore).changes;
  }
}

export class LoginAttemptRepo {
  constructor(private readonly db: Database) {}

  create(idHash: string, a: LoginAttempt): void {
    this.db
      .query(`INSERT INTO login_attempts (id_hash, state, nonce, code_verifier, return_to, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(idHash, a.state, a.nonce, a.codeVerifier, a.returnTo, a.createdAt);
  }

  /** Reads and removes the attempt: each one is good for a single callback. */
  take(idHash: string): LoginAttempt | null {
    const row = this.db
      .query(`DELETE FROM login_attempts WHERE id_hash = ? RETURNING state, nonce, code_verifier, return_to, created_at`)
      .get(idHash) as { state: string; nonce: string; code_verifier: string; return_to: string; created_at: number } | null;
    if (!row) return null;
    return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to, createdAt: row.created_at };
  }

  prune(createdBefore: number): number {
    return this.db.query(`DELETE FROM login_attempts WHERE created_at < ?`).run(createdBefore).changes;
  }
}
