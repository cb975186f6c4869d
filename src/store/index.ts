import type { Database } from "bun:sqlite";
import { explainOpenError } from "./data-dir.ts";
import { openDatabase, probeWrite } from "./db.ts";
import { StackRepo } from "./stacks.ts";
import { DeploymentRepo } from "./deployments.ts";
import { AuditRepo } from "./audit.ts";
import { IdempotencyRepo } from "./idempotency.ts";
import { LifecycleRepo } from "./lifecycle.ts";
import { ReportRepo } from "./reports.ts";
import { DeployStatsRepo } from "./deploy-stats.ts";
import { OwnerRepo } from "./owners.ts";
import { LoginAttemptRepo, SessionRepo } from "./sessions.ts";
import { ImageRepo } from "./images.ts";
import { RolloutRepo } from "./rollouts.ts";
import { PlacementRepo } from "./placements.ts";
import { BackupRepo } from "./backups.ts";
import { StackPassRepo } from "./stack-passes.ts";
import { RetentionRepo } from "./retention.ts";
import { PoolRepo } from "./pool.ts";
import { ShareRepo } from "./shares.ts";
import { type DatabaseSize, type VacuumConversion, convertToIncrementalVacuum, databaseSize, truncateWal, vacuumStep } from "./vacuum.ts";

export class Store {
  readonly stacks: StackRepo;
  readonly deployments: DeploymentRepo;
  readonly audit: AuditRepo;
  readonly idempotency: IdempotencyRepo;
  readonly lifecycle: LifecycleRepo;
  readonly reports: ReportRepo;
  readonly stats: DeployStatsRepo;
  readonly owners: OwnerRepo;
  readonly sessions: SessionRepo;
  readonly loginAttempts: LoginAttemptRepo;
  readonly images: ImageRepo;
  readonly rollouts: RolloutRepo;
  readonly placements: PlacementRepo;
  readonly backups: BackupRepo;
  readonly stackPasses: StackPassRepo;
  readonly pool: PoolRepo;
  readonly shares: ShareRepo;
  readonly retention: RetentionRepo;

  constructor(readonly db: Database) {
    this.stacks = new StackRepo(db);
    this.deployments = new DeploymentRepo(db);
    this.audit = new AuditRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.lifecycle = new LifecycleRepo(db);
    this.reports = new ReportRepo(db);
    this.stats = new DeployStatsRepo(db);
    this.owners = new OwnerRepo(db);
    this.sessions = new SessionRepo(db);
    this.loginAttempts = new LoginAttemptRepo(db);
    this.images = new ImageRepo(db);
    this.rollouts = new RolloutRepo(db);
    this.placements = new PlacementRepo(db);
    this.backups = new BackupRepo(db);
    this.stackPasses = new StackPassRepo(db);
    this.pool = new PoolRepo(db);
    this.shares = new ShareRepo(db);
    this.retention = new RetentionRepo(db);
  }

  /** Throws DataDirError, one line naming DATA_DIR and what to do, when it cannot open. */
  static open(dataDir: string): Store {
    try {
      return new Store(openDatabase(dataDir));
    } catch (err) {
      throw explainOpenError(err, dataDir);
    }
  }

  /** Runs fn atomically (SQLite is synchronous, so nothing interleaves inside). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Whether the database takes writes (a read would still succeed on a full or read-only disk). */
  healthy(): boolean {
    try {
      probeWrite(this.db);
      return true;
    } catch {
      return false;
    }
  }

  /** Once, for a file made before incremental vacuum (a VACUUM: blocks, so at start only). */
  convertToIncrementalVacuum(): VacuumConversion {
    return convertToIncrementalVacuum(this.db);
  }

  /** Gives up to `pages` free pages back to the file system; how many it gave. */
  vacuumStep(pages: number): number {
    return vacuumStep(this.db, pages);
  }

  truncateWal(): void {
    truncateWal(this.db);
  }

  size(): DatabaseSize {
    return databaseSize(this.db);
  }

  close(): void {
    this.db.close();
  }
}
