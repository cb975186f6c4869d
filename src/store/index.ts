import type { Database } from "bun:sqlite";
import { openDatabase } from "./db.ts";
import { StackRepo } from "./stacks.ts";
import { DeploymentRepo } from "./deployments.ts";
import { AuditRepo } from "./audit.ts";
import { IdempotencyRepo } from "./idempotency.ts";
import { ReportRepo } from "./reports.ts";
import { DeployStatsRepo } from "./deploy-stats.ts";

export class Store {
  readonly stacks: StackRepo;
  readonly deployments: DeploymentRepo;
  readonly audit: AuditRepo;
  readonly idempotency: IdempotencyRepo;
  readonly reports: ReportRepo;
  readonly stats: DeployStatsRepo;

  constructor(readonly db: Database) {
    this.stacks = new StackRepo(db);
    this.deployments = new DeploymentRepo(db);
    this.audit = new AuditRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.reports = new ReportRepo(db);
    this.stats = new DeployStatsRepo(db);
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
