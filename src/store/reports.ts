import type { Database } from "bun:sqlite";
import { type CleanupReport, cleanupReport } from "../stacks/model/deployment-report.ts";

/** Per deployment: its rollback's cleanup report and the scrubbed tail of Dokploy's log. */
export class ReportRepo {
  constructor(private readonly db: Database) {}

  saveCleanup(deploymentId: string, report: CleanupReport, now: string): void {
    this.db
      .query(
        `INSERT INTO deployment_reports (deployment_id, cleanup, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(deployment_id) DO UPDATE SET cleanup = ?2, updated_at = ?3`,
      )
      .run(deploymentId, JSON.stringify(report), now);
  }

  saveLogTail(deploymentId: string, lines: string[], now: string): void {
    this.db
      .query(
        `INSERT INTO deployment_reports (deployment_id, log_tail, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(deployment_id) DO UPDATE SET log_tail = ?2, updated_at = ?3`,
      )
      .run(deploymentId, JSON.stringify(lines), now);
  }

  get(deploymentId: string): { cleanup: CleanupReport | null; logTail: string[] | null } {
    const row = this.db.query(`SELECT cleanup, log_tail FROM deployment_reports WHERE deployment_id = ?`).get(deploymentId) as {
      cleanup: string | null;
      log_tail: string | null;
    } | null;
    return {
      cleanup: row?.cleanup ? cleanupReport.parse(JSON.parse(row.cleanup)) : null,
      logTail: row?.log_tail ? (JSON.parse(row.log_tail) as string[]) : null,
    };
  }
}
