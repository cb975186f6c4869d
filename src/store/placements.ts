import type { Database } from "bun:sqlite";

/** Which Swarm node each stack is pinned to (its named volumes exist only there). */
export interface Placement {
  stackId: number;
  nodeId: string;
  hostname: string;
  pinnedAt: string;
}

interface Row {
  stack_id: number;
  node_id: string;
  hostname: string;
  pinned_at: string;
}

const toPlacement = (r: Row): Placement => ({ stackId: r.stack_id, nodeId: r.node_id, hostname: r.hostname, pinnedAt: r.pinned_at });

export class PlacementRepo {
  constructor(private readonly db: Database) {}

  set(stackId: number, nodeId: string, hostname: string, at: string): void {
    this.db
      .query(
        `INSERT INTO stack_placements (stack_id, node_id, hostname, pinned_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(stack_id) DO UPDATE SET node_id = excluded.node_id, hostname = excluded.hostname, pinned_at = excluded.pinned_at`,
      )
      .run(stackId, nodeId, hostname, at);
  }

  of(stackId: number): Placement | null {
    const row = this.db.query("SELECT * FROM stack_placements WHERE stack_id = ?").get(stackId) as Row | null;
    return row ? toPlacement(row) : null;
  }

  /** Live stacks per node: what fills a node. */
  liveCounts(): Map<string, number> {
    const rows = this.db
      .query(
        `SELECT p.node_id AS node_id, COUNT(*) AS n FROM stack_placements p JOIN stacks s ON s.id = p.stack_id
         WHERE s.status IN ('deploying', 'ready', 'deleting', 'cleanup_failed') GROUP BY p.node_id`,
      )
      .all() as { node_id: string; n: number }[];
    return new Map(rows.map((r) => [r.node_id, r.n]));
  }

  /** Every live stack's placement, with its name. */
  live(): (Placement & { name: string; status: string })[] {
    const rows = this.db
      .query(
        `SELECT p.*, s.name AS name, s.status AS status FROM stack_placements p JOIN stacks s ON s.id = p.stack_id
         WHERE s.status IN ('deploying', 'ready', 'deleting', 'cleanup_failed') ORDER BY s.name`,
      )
      .all() as (Row & { name: string; status: string })[];
    return rows.map((r) => ({ ...toPlacement(r), name: r.name, status: r.status }));
  }
}
