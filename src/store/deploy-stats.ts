import type { Database } from "bun:sqlite";

/** Figures about past deployments, for the page's "usually about a minute". */
export class DeployStatsRepo {
  constructor(private readonly db: Database) {}

  /** Durations in ms of the newest `limit` successful deploys that made their stack (not taken from the pool), newest first. */
  recentDeployDurations(limit: number): number[] {
    const rows = this.db
      .query(
        `SELECT created_at, finished_at FROM deployments
         WHERE kind = 'deploy' AND from_pool = 0 AND status = 'succeeded' AND finished_at IS NOT NULL
         ORDER BY finished_at DESC LIMIT ?`,
      )
      .all(limit) as { created_at: string; finished_at: string }[];
    return rows.map((r) => Date.parse(r.finished_at) - Date.parse(r.created_at)).filter((ms) => Number.isFinite(ms) && ms >= 0);
  }
}
