import { z } from "zod";
import { DokployError } from "../../dokploy/errors.ts";
import { type ApplicationSettings, applicationStatus } from "../../dokploy/schemas.ts";
import { operationSummary } from "../../store/lifecycle.ts";
import { outOfReachSchema } from "../backups/backup-reach.ts";
import { deploymentKind, type Stack, stackRole, stackStatus, unavailableReason } from "../model/vocabulary.ts";
import type { Ports } from "../runs/ports.ts";
import { type IdleRules, idleForecast } from "../upkeep/idle-forecast.ts";
import { idleForecastNow } from "../upkeep/idle-now.ts";
import { currentFleetImage, upgradeTarget } from "../rollout/fleet-image.ts";

/**
 * What the owner sees of a stack: the portal's record, Dokploy's view of the application
 * (status, image, volumes, limits, update order) and the last operations. Dokploy being
 * away does not hide the rest: its part is null with the reason.
 */

export const ownerStackDetails = z
  .object({
    name: z.string(),
    url: z.string(),
    status: stackStatus,
    /** running or stopped, as the portal last left it. */
    state: z.enum(["running", "stopped"]),
    /** "owner", or "idle" for an idle stop. */
    stopReason: z.string().nullable(),
    createdAt: z.string(),
    readyAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    stoppedAt: z.string().nullable(),
    runningOperation: z.object({ deploymentId: z.string(), kind: deploymentKind }).nullable(),
    dokploy: z
      .object({
        applicationStatus,
        image: z.string().nullable(),
        volumes: z.array(z.object({ name: z.string(), mountPath: z.string() })),
        limits: z.object({
          memoryBytes: z.number().int().nullable(),
          memoryReservationBytes: z.number().int().nullable(),
          nanoCpus: z.number().int().nullable(),
          nanoCpusReservation: z.number().int().nullable(),
        }),
        updateOrder: z.string(),
      })
      .nullable(),
    /** Why `dokploy` is null although the stack has an application. */
    dokployError: z.enum(["not_found", "unavailable"]).nullable(),
    /**
     * The image the stack runs (or gets at its next start), and the fleet's current image an
     * upgrade (redeploy) would move it to; `newer` null: up to date (rollout/fleet-image.ts).
     */
    upgrade: z.object({ image: z.string().nullable(), newer: z.string().nullable() }),
    operations: z.array(operationSummary),
    // With Dokploy's Swarm cluster and backups (src/stacks/fleet/fleet.ts):
    unavailableReason: unavailableReason.nullable().optional(),
    unavailableMessage: z.string().optional(),
    node: z.object({ hostname: z.string(), health: z.string() }).nullable().optional(),
    backups: z
      .object({
        lastBackupAt: z.string().nullable(),
        failing: z.boolean(),
        /** Set when the stack's node is one Dokploy's backups cannot read: it has no backups. */
        outOfReach: outOfReachSchema,
        volumes: z.array(
          z.object({
            volumeName: z.string(),
            lastRunAt: z.string().nullable(),
            lastStatus: z.string().nullable(),
            lastSuccessAt: z.string().nullable(),
          }),
        ),
      })
      .nullable()
      .optional(),
    /** When it stops for idleness, and why (upkeep/idle-forecast.ts); null while not running or with idle stop off. */
    idle: idleForecast.nullable().optional(),
    /**
     * What this request may do (StackAccess): `owner` everything (also admins and the management
     * token), `manager` stop, start, restart and upgrade, `user` open and look (shares.ts).
     */
    role: stackRole.optional(),
  })
  .extend({ status: z.union([stackStatus, z.literal("unavailable")]) });
export type StackDetails = z.infer<typeof ownerStackDetails>;

const num = (v: string | null | undefined) => (v ? Number.parseInt(v, 10) : null);

/**
 * `idle`: when idle stacks stop (IDLE_STOP_AFTER; 0 or absent: never); a running stack's details
 * then say when it stops. One read of the application gives both Dokploy's view and the stack's
 * password to ask its OpenCode with (the page reads the details every 10 s).
 */
export async function stackDetails(deps: Pick<Ports, "client" | "store" | "config">, stack: Stack, idle?: IdleRules): Promise<StackDetails> {
  const { store } = deps;
  const run = store.lifecycle.runState(stack.id);
  const running = store.deployments.runningFor(stack.id);
  let app: ApplicationSettings | null = null;
  let env: string | undefined;
  let dokployError: StackDetails["dokployError"] = null;
  if (stack.applicationId) {
    try {
      ({ app, env } = await deps.client.applicationSettingsAndEnvironment(
        stack.applicationId,
        AbortSignal.timeout(deps.config.PROBE_ATTEMPT_TIMEOUT),
      ));
    } catch (err) {
      dokployError = err instanceof DokployError ? (err.failure === "not_found" ? "not_found" : "unavailable") : "unavailable";
    }
  }
  // Dokploy's image is what the next deploy runs (changed in its UI, say); the portal's record without it.
  const image = app?.dockerImage ?? store.images.of(stack.id)?.image ?? null;
  const forecastIdle = idle && idle.stopAfterMs > 0 && stack.status === "ready" && run.state === "running" && !running && env !== undefined;
  return {
    name: stack.name,
    url: stack.url,
    status: stack.status,
    /** running or stopped, as the portal last left it. */
    state: run.state,
    stopReason: run.stopReason,
    createdAt: stack.createdAt,
    readyAt: stack.readyAt,
    // Until the first start, the deploy that made it ready started it.
    startedAt: run.startedAt ?? stack.readyAt,
    stoppedAt: run.stoppedAt,
    runningOperation: running ? { deploymentId: running.id, kind: running.kind } : null,
    dokploy: app
      ? {
          applicationStatus: app.applicationStatus,
          image: app.dockerImage ?? null,
          volumes: app.mounts.flatMap((m) => (m.volumeName ? [{ name: m.volumeName, mountPath: m.mountPath }] : [])),
          limits: {
            memoryBytes: num(app.memoryLimit),
            memoryReservationBytes: num(app.memoryReservation),
            nanoCpus: num(app.cpuLimit),
            nanoCpusReservation: num(app.cpuReservation),
          },
          // Dokploy's own default when none is set.
          updateOrder: app.updateConfigSwarm?.Order ?? "start-first",
        }
      : null,
    dokployError,
    upgrade: { image, newer: upgradeTarget(currentFleetImage(deps), image) },
    operations: store.lifecycle.recent(stack.id, 10),
    idle: forecastIdle ? (await idleForecastNow(deps, stack, idle, env)).forecast : null,
  };
}
