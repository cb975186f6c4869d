import { describe, expect, test } from "bun:test";
import { backupNodeOf, outOfReach } from "../../src/stacks/backups/backup-reach.ts";
import type { ClusterNode } from "../../src/stacks/placement/nodes.ts";

const node = (id: string, extra: Partial<ClusterNode> = {}): ClusterNode => ({
  id,
  hostname: `host-${id}`,
  role: "worker",
  leader: false,
  health: "ready",
  memoryBytes: 1,
  nanoCpus: null,
  labels: {},
  ...extra,
});
const pinned = (nodeId: string) => ({ nodeId, hostname: `host-${nodeId}`, pinnedAt: "2026-11-27T00:00:00.000Z" });
const cluster = [node("w1"), node("m1", { role: "manager", leader: true }), node("m2", { role: "manager" })];

describe("the node Dokploy's backups run on", () => {
  test("the Swarm leader by default; BACKUP_NODE by id or hostname; a lone node without a leader flag", () => {
    expect(backupNodeOf(cluster, undefined)?.id).toBe("m1");
    expect(backupNodeOf(cluster, "m2")?.id).toBe("m2");
    expect(backupNodeOf(cluster, "host-m2")?.id).toBe("m2");
    expect(backupNodeOf(cluster, "nowhere")).toBeNull();
    expect(backupNodeOf([node("solo")], undefined)?.id).toBe("solo");
  });

  test("a stack on another node is out of reach; unpinned stacks and an unknown node list are not", () => {
    expect(outOfReach(pinned("m1") as any, cluster, undefined)).toBeNull();
    expect(outOfReach(pinned("w1") as any, cluster, undefined)).toEqual({ node: "host-w1", backupNode: "host-m1" });
    expect(outOfReach(pinned("m1") as any, cluster, "m2")).toEqual({ node: "host-m1", backupNode: "host-m2" });
    expect(outOfReach(pinned("m1") as any, cluster, "nowhere")).toEqual({ node: "host-m1", backupNode: null });
    expect(outOfReach(null, cluster, undefined)).toBeNull();
    expect(outOfReach(pinned("w1") as any, null, undefined)).toBeNull();
  });
});
