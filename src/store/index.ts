import type { Database } from "bun:sqlite";
import { openDatabase } from "./db.ts";
import { StackRepo } from "./stacks.ts";
import { DeploymentRepo } from "./deployments.ts";
import { AuditRepo } from "./audit.ts";
import { IdempotencyRepo } from "./idempotency.ts";
import { OwnerRepo } from "./owners.ts";
import { LoginAttemptRepo, SessionRepo } from "./sessions.ts";

export class Store {
  readonly stacks: StackRepo;
  readonly deployments: DeploymentRepo;
  readonly audit: AuditRepo;
  readonly idempotency: IdempotencyRepo;
  readonly owners: OwnerRepo;
  readonly sessions: SessionRepo;
  readonly loginAttempts: LoginAttemptRepo;

  constructor(readonly db: Database) {
    this.stacks = new StackRepo(db);
    this.deployments = new DeploymentRepo(db);
    this.audit = new AuditRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.owners = new OwnerRepo(db);
    this.sessions = new SessionRepo(db);
    this.loginAttempts = new LoginAttemptRepo(db);
  }

  static open(dataDir: string): Store {
    return new Store(openDatabase(dataDir));
  }

  /** Runs fn atomically (SQLite is synchronous, so nothing interleaves inside). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  healthy(): boolean {
    try {
      this.db.query("SELECT 1").get();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.db.close();
  }
}
