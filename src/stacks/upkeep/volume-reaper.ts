import { DokployError } from "../../dokploy/errors.ts";
import type { Stack } from "../model/vocabulary.ts";
import { type StackNaming, planStack } from "../model/resource-plan.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { recordAudit } from "../owners/audit-trail.ts";

/**
 * The volumes of owners who are gone. A deleted stack's volumes are kept for its owner while
 * the name is held (NAME_QUARANTINE_DAYS); once the hold is over and the owner has not come
 * back, they are removed through Dokploy (`dockerVolume.removeVolume`, `docker volume rm` on
 * its own server), each removal audited. The delete's own final backup (where backups are on)
 * is what remains of them. A volume another stack of the name still uses (its owner came
 * back within the hold) is never touched; one on a node Dokploy's own docker cannot reach is
 * reported once, audited as `out_of_reach`, and left to the operator.
 */

const DAY_MS = 86_400_000;
const BATCH = 20;

export interface VolumesLetGo {
  stack: string;
  outcome: "removed" | "out_of_reach" | "in_use" | "failed";
  volumes: string[];
  node?: string;
  error?: string;
}

/** `docker volume rm` of a volume that is already gone: nothing left to do. */
const alreadyGone = (err: unknown) => err instanceof DokployError && /no such volume/i.test(err.message);
const stillInUse = (err: unknown) => err instanceof DokployError && /in use/i.test(err.message);

export class VolumeReaper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<VolumesLetGo[]> | null = null;

  constructor(
    private readonly deps: Pick<Ports, "client" | "store" | "log" | "cluster" | "config">,
    /** NAME_QUARANTINE_DAYS: how long a gone owner's name, and so their volumes, are held. */
    private readonly quarantineDays: number,
  ) {}

  /** One pass; a pass already under way is joined. */
  run(signal?: AbortSignal): Promise<VolumesLetGo[]> {
    this.running ??= this.pass(signal).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** A first pass a minute after start (not during it), then one every `intervalMs`. */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    const tick = () => {
      this.run()
        .catch((err) => this.deps.log.warn({ err: String(err) }, "removing the volumes of gone owners failed"))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, Math.min(intervalMs, 60_000));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async pass(signal?: AbortSignal): Promise<VolumesLetGo[]> {
    const { store, config } = this.deps;
    const holdEnded = new Date(Date.now() - this.quarantineDays * DAY_MS).toISOString();
    const due = store.stacks.volumesToLetGo(holdEnded, BATCH);
    if (due.length === 0) return [];
    const volumesOf = (s: StackNaming) => planStack(s, config).volumes.map((v) => v.volumeName);
    const wanted = new Set(store.stacks.volumeLineages(holdEnded).flatMap(volumesOf));
    // Dokploy's `docker volume rm` runs on its own server: where it runs, the leader.
    const nodes = this.deps.cluster ? await this.deps.cluster.nodesOrLast(signal) : null;
    const dokployNode = nodes?.find((n) => n.leader)?.id ?? null;
    const results: VolumesLetGo[] = [];
    for (const stack of due) {
      const volumes = volumesOf(stack).filter((v) => !wanted.has(v));
      results.push(await this.letGo(stack, volumes, dokployNode, signal));
    }
    return results;
  }

  private async letGo(stack: Stack, volumes: string[], dokployNode: string | null, signal?: AbortSignal): Promise<VolumesLetGo> {
    const { store, client, log } = this.deps;
    const node = store.placements.of(stack.id)?.nodeId ?? null;
    // Its owner came back within the hold: the volumes are the live stack's now.
    if (volumes.length === 0) {
      store.stacks.markVolumesRemoved(stack.id, now());
      return { stack: stack.name, outcome: "removed", volumes };
    }
    let result: VolumesLetGo;
    if (node && dokployNode && node !== dokployNode) {
      result = { stack: stack.name, outcome: "out_of_reach", volumes, node };
      log.warn({ stack: stack.name, volumes, node }, "the volumes of a gone owner are on a node Dokploy cannot reach: remove them there");
    } else {
      result = { stack: stack.name, outcome: "removed", volumes };
      for (const volume of volumes) {
        try {
          await client.dockerVolumeRemove(volume, signal);
        } catch (err) {
          if (alreadyGone(err)) continue;
          // A container (a leftover service, a backup run) still holds it: the next pass tries again.
          result = { ...result, outcome: stillInUse(err) ? "in_use" : "failed", error: err instanceof Error ? err.message : String(err) };
          break;
        }
      }
    }
    if (result.outcome === "in_use" || result.outcome === "failed") {
      // Tried again at the next pass; audited once it is settled, not at every try.
      log.warn({ stack: stack.name, volumes, err: result.error }, "the volumes of a gone owner could not be removed yet");
      return result;
    }
    store.stacks.markVolumesRemoved(stack.id, now());
    recordAudit(store.audit, {
      action: "volumes_removed",
      stackName: stack.name,
      actor: "system",
      outcome: result.outcome,
      detail: { volumes: result.volumes, ...(result.node ? { node: result.node } : {}) },
    });
    if (result.outcome === "removed") log.info({ stack: stack.name, volumes }, "removed the volumes of a gone owner");
    return result;
  }
}
