import { z } from "zod";
import { type Input, type Method, type TransportOptions, exchange } from "./transport.ts";
import { type CallKind, Resilience, type ResilienceOptions } from "./resilience.ts";
import { DokployError } from "./errors.ts";
import * as s from "./schemas.ts";
import * as cs from "./cluster-schemas.ts";
import { type ResponseParser, inline } from "./parse.ts";
import { offThread } from "./off-thread.ts";
import { subscribeLines } from "./subscription.ts";

/**
 * The only code that speaks Dokploy's API: one typed method per procedure the portal uses.
 * Bodies carry every key Dokploy requires, with null where unused (docs/dokploy.md §8).
 */

export type CertificateType = "letsencrypt" | "none" | "custom";

/** Docker Swarm's Placement as Dokploy stores it (strict: no other keys). */
export interface SwarmPlacement {
  Constraints?: string[];
  Preferences?: { Spread: { SpreadDescriptor: string } }[];
  MaxReplicas?: number;
}

/** Docker Swarm's HealthCheck as Dokploy stores it (strict); `Test: ["NONE"]` switches the image's own off. */
export interface SwarmHealthCheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** Docker Swarm's UpdateConfig as Dokploy stores it; Parallelism and Order are required. */
export interface SwarmUpdateConfig {
  Parallelism: number;
  Order: "start-first" | "stop-first";
  Delay?: number;
  FailureAction?: "pause" | "continue" | "rollback";
  Monitor?: number;
  MaxFailureRatio?: number;
}

export interface DokployCallEvent {
  procedure: string;
  /** HTTP status, or the failure kind when there was no HTTP answer. */
  outcome: string;
  durationMs: number;
}

export interface DokployClientOptions extends TransportOptions, Omit<ResilienceOptions, "onCircuitChange"> {
  onCall?: (event: DokployCallEvent) => void;
  onCircuitChange?: ResilienceOptions["onCircuitChange"];
}

export class DokployClient {
  readonly resilience: Resilience;

  constructor(private readonly opts: DokployClientOptions) {
    this.resilience = new Resilience(opts);
  }

  private async call<T>(
    method: Method,
    procedure: string,
    input: Input | undefined,
    parser: ResponseParser<T> | null,
    signal?: AbortSignal,
    kind: CallKind = method === "GET" ? "read" : "write",
  ): Promise<T> {
    const started = performance.now();
    let outcome = "200";
    try {
      return await this.resilience.run(procedure, kind, (sig) => exchange(this.opts, method, procedure, input, parser, sig), signal);
    } catch (err) {
      outcome = err instanceof DokployError ? String(err.status ?? err.failure) : "aborted";
      throw err;
    } finally {
      this.opts.onCall?.({ procedure, outcome, durationMs: performance.now() - started });
    }
  }

  // --- project ---------------------------------------------------------------------------

  projectCreate(input: { name: string; description?: string | null; env?: string }, signal?: AbortSignal) {
    return this.call("POST", "project.create", input, inline(s.projectCreated), signal);
  }
  projectOne(projectId: string, signal?: AbortSignal) {
    return this.call("GET", "project.one", { projectId }, inline(s.projectDetail), signal);
  }
  /** Renames a project (a claimed pooled stack takes its owner's name); answers the updated row. */
  projectUpdate(input: { projectId: string; name: string; description?: string | null }, signal?: AbortSignal) {
    return this.call("POST", "project.update", input, inline(s.projectRow), signal);
  }
  projectAll(signal?: AbortSignal) {
    // Grows with every stack: parsed off the server's thread when large.
    return this.call("GET", "project.all", undefined, offThread("projectList"), signal);
  }
  projectRemove(projectId: string, signal?: AbortSignal) {
    return this.call("POST", "project.remove", { projectId }, inline(s.projectRow), signal);
  }

  // --- environment -----------------------------------------------------------------------

  environmentOne(environmentId: string, signal?: AbortSignal) {
    return this.call("GET", "environment.one", { environmentId }, inline(s.environmentDetail), signal);
  }

  // --- application -----------------------------------------------------------------------

  /** Not idempotent: Dokploy suffixes appName, so a retry makes a second application. */
  applicationCreate(input: { name: string; environmentId: string; appName?: string; description?: string | null }, signal?: AbortSignal) {
    return this.call("POST", "application.create", input, inline(s.applicationRow), signal);
  }
  applicationOne(applicationId: string, signal?: AbortSignal) {
    return this.call("GET", "application.one", { applicationId }, inline(s.applicationDetail), signal);
  }
  saveDockerProvider(
    input: {
      applicationId: string;
      dockerImage: string;
      username: string | null;
      password: string | null;
      registryUrl: string | null;
    },
    signal?: AbortSignal,
  ) {
    return this.call("POST", "application.saveDockerProvider", input, inline(s.saved), signal);
  }
  /** `env` is dotenv text; Dokploy interpolates `${{...}}` in it, which cannot be escaped. */
  saveEnvironment(
    input: { applicationId: string; env: string | null; buildArgs?: string | null; buildSecrets?: string | null; createEnvFile?: boolean },
    signal?: AbortSignal,
  ) {
    const body = {
      applicationId: input.applicationId,
      env: input.env,
      buildArgs: input.buildArgs ?? null,
      buildSecrets: input.buildSecrets ?? null,
      // Not needed by a docker-image app; false keeps the secrets off Dokploy's disk.
      createEnvFile: input.createEnvFile ?? false,
    };
    return this.call("POST", "application.saveEnvironment", body, inline(s.saved), signal);
  }
  /**
   * Changes only the fields given (docs/dokploy.md §3): here Swarm's update order, so that with
   * "stop-first" the old container stops before the new one starts. Returns `true`.
   */
  applicationUpdate(
    input: {
      applicationId: string;
      /** The name Dokploy shows (its appName, the service's, never changes). */
      name?: string;
      description?: string | null;
      updateConfigSwarm?: SwarmUpdateConfig | null;
      /** Where Swarm may run the service; null lets it run anywhere. */
      placementSwarm?: SwarmPlacement | null;
      /** The service's health check; null: the image's own. */
      healthCheckSwarm?: SwarmHealthCheck | null;
      /** Bytes and nano-CPUs as strings (Dokploy parses them at deploy time); null removes. */
      memoryLimit?: string | null;
      memoryReservation?: string | null;
      cpuLimit?: string | null;
      cpuReservation?: string | null;
    },
    signal?: AbortSignal,
  ) {
    return this.call("POST", "application.update", input, inline(s.saved), signal);
  }
  /** application.one with the image, limits and update order (for the stack page). */
  applicationSettings(applicationId: string, signal?: AbortSignal) {
    return this.call("GET", "application.one", { applicationId }, inline(s.applicationSettings), signal);
  }
  /**
   * The application's dotenv text. application.one returns it decrypted; only this method
   * keeps it, so that the other readers never carry the stack's password.
   */
  applicationEnvironment(applicationId: string, signal?: AbortSignal) {
    return this.call("GET", "application.one", { applicationId }, inline(s.applicationEnv), signal).then((a) => a.env ?? "");
  }
  /** Both of the above from one application.one; the environment apart, as above. */
  async applicationSettingsAndEnvironment(applicationId: string, signal?: AbortSignal): Promise<{ app: s.ApplicationSettings; env: string }> {
    const { env, ...app } = await this.call(
      "GET",
      "application.one",
      { applicationId },
      inline(s.applicationSettings.extend(s.applicationEnv.shape)),
      signal,
    );
    return { app, env: env ?? "" };
  }
  /**
   * The container's (or Swarm service's) recent output: `docker logs --timestamps`, as a
   * string. 500 when Dokploy finds neither a container nor a service (docs/dokploy.md §3).
   */
  applicationReadLogs(input: { applicationId: string; tail: number; since?: string }, signal?: AbortSignal) {
    return this.call("GET", "application.readLogs", { ...input, since: input.since ?? "all" }, inline(s.logText), signal);
  }
  applicationDeploy(input: { applicationId: string; title?: string; description?: string }, signal?: AbortSignal) {
    return this.call("POST", "application.deploy", input, null, signal);
  }
  applicationRedeploy(input: { applicationId: string; title?: string; description?: string }, signal?: AbortSignal) {
    return this.call("POST", "application.redeploy", input, null, signal);
  }
  /** Returns the application as read before the change, so its status is stale (docs/dokploy.md §3). */
  /** Answers once Swarm has the service at 0 tasks (Dokploy's `docker service scale` waits); never retried. */
  applicationStop(applicationId: string, signal?: AbortSignal) {
    return this.call("POST", "application.stop", { applicationId }, inline(s.applicationRow), signal, "scale");
  }
  /** Answers once the new task runs (and, with a health check, is healthy); never retried. */
  applicationStart(applicationId: string, signal?: AbortSignal) {
    return this.call("POST", "application.start", { applicationId }, inline(s.applicationRow), signal, "scale");
  }
  /** Drops the application's jobs still waiting in Dokploy's build queue; a running build goes on. */
  applicationCleanQueues(applicationId: string, signal?: AbortSignal) {
    return this.call("POST", "application.cleanQueues", { applicationId }, null, signal);
  }
  /** Takes the app's domains, mounts and deployments with it; named volumes survive. */
  applicationDelete(applicationId: string, signal?: AbortSignal) {
    return this.call("POST", "application.delete", { applicationId }, inline(s.deletedApplication), signal);
  }

  // --- mounts ----------------------------------------------------------------------------

  mountCreate(input: { applicationId: string; volumeName: string; mountPath: string }, signal?: AbortSignal) {
    const body = {
      type: "volume",
      volumeName: input.volumeName,
      mountPath: input.mountPath,
      serviceId: input.applicationId,
      // Without it Dokploy sets no foreign key and the mount is orphaned (docs/dokploy.md §3).
      serviceType: "application",
    };
    return this.call("POST", "mounts.create", body, inline(s.mountRow), signal);
  }
  mountRemove(mountId: string, signal?: AbortSignal) {
    return this.call("POST", "mounts.remove", { mountId }, inline(s.mountRow), signal);
  }

  // --- ports -----------------------------------------------------------------------------

  /** A TCP port of the service published on its node's own address (mode host: no routing mesh). */
  portCreateHost(input: { applicationId: string; publishedPort: number; targetPort: number }, signal?: AbortSignal) {
    return this.call("POST", "port.create", { ...input, publishMode: "host", protocol: "tcp" }, inline(s.portRow), signal);
  }

  // --- domain ----------------------------------------------------------------------------

  domainCreate(
    input: {
      applicationId: string;
      host: string;
      port: number;
      https: boolean;
      certificateType: CertificateType;
      customCertResolver?: string | null;
      /** Traefik middlewares for the domain's router (STACK_SSO's forwardAuth). */
      middlewares?: string[];
    },
    signal?: AbortSignal,
  ) {
    const body = {
      host: input.host,
      path: "/",
      port: input.port,
      https: input.https,
      certificateType: input.certificateType,
      customCertResolver: input.certificateType === "custom" ? (input.customCertResolver ?? null) : null,
      applicationId: input.applicationId,
      domainType: "application",
      ...(input.middlewares ? { middlewares: input.middlewares } : {}),
    };
    return this.call("POST", "domain.create", body, inline(s.domainRow), signal);
  }
  /**
   * Dokploy's domain.update sets only the fields sent (host is required) and rewrites the
   * application's Traefik file at once; it answers with the updated row.
   */
  domainUpdate(input: { domainId: string; host: string; middlewares: string[] }, signal?: AbortSignal) {
    return this.call("POST", "domain.update", input, inline(s.domainRow), signal);
  }

  domainDelete(domainId: string, signal?: AbortSignal) {
    return this.call("POST", "domain.delete", { domainId }, inline(s.domainRow), signal);
  }
  domainsByApplication(applicationId: string, signal?: AbortSignal) {
    return this.call("GET", "domain.byApplicationId", { applicationId }, inline(z.array(s.domainRow)), signal);
  }

  // --- deployment ------------------------------------------------------------------------

  /** Newest first, at most about 11 rows; `[]` for an unknown application. */
  deployments(applicationId: string, signal?: AbortSignal) {
    return this.call("GET", "deployment.all", { applicationId }, inline(z.array(s.deploymentRow)), signal);
  }
  deploymentLogs(deploymentId: string, tail = 50, signal?: AbortSignal) {
    return this.call("GET", "deployment.readLogs", { deploymentId, tail }, inline(s.logText), signal);
  }

  // --- docker ----------------------------------------------------------------------------

  /** The Swarm service's tasks, newest first, with history; `[]` when there is no service. */
  serviceTasks(appName: string, signal?: AbortSignal) {
    return this.call("GET", "docker.getServiceContainersByAppName", { appName }, inline(z.array(s.serviceTask)), signal);
  }

  // --- swarm -----------------------------------------------------------------------------

  /**
   * Every Swarm service on Dokploy's own server (`docker service ls`), Dokploy's helpers
   * ("dokploy-…") left out. An empty answer (Docker wrote to stderr) fails to parse: unknown.
   */
  /** The Docker volumes on Dokploy's own server (the Swarm manager): `docker volume ls`. Dokploy answers [] when that fails. */
  dockerVolumes(signal?: AbortSignal) {
    return this.call("GET", "dockerVolume.getVolumes", undefined, inline(s.dockerVolumeList), signal);
  }
  /** `docker volume rm` on Dokploy's own server: a 500 carries the daemon's words (no such volume, in use). */
  dockerVolumeRemove(volumeName: string, signal?: AbortSignal) {
    return this.call("POST", "dockerVolume.removeVolume", { volumeName }, null, signal);
  }
  swarmServices(signal?: AbortSignal) {
    return this.call("GET", "swarm.getNodeApps", undefined, inline(s.swarmServiceList), signal);
  }

  // --- cluster ---------------------------------------------------------------------------

  /** The Swarm's nodes (managers and workers), as the Docker Engine API lists them. */
  clusterNodes(signal?: AbortSignal) {
    return this.call("GET", "cluster.getNodes", undefined, inline(cs.swarmNodeList), signal);
  }

  // --- volume backups --------------------------------------------------------------------

  /**
   * A scheduled backup of one named volume to an S3 destination. Without an applicationId it
   * outlives the application (a row with one is deleted with it, docs/dokploy.md).
   */
  volumeBackupCreate(
    input: {
      name: string;
      volumeName: string;
      prefix: string;
      appName: string;
      cronExpression: string;
      keepLatestCount: number;
      destinationId: string;
      /** False: it runs only when asked (runManually), never on its schedule. */
      enabled?: boolean;
    },
    signal?: AbortSignal,
  ) {
    const body = { ...input, serviceType: "application", turnOff: false, enabled: input.enabled ?? true, applicationId: null };
    return this.call("POST", "volumeBackups.create", body, inline(cs.volumeBackupRow), signal);
  }
  /**
   * Runs the backup and answers when it has ended, done or failed alike: read its runs for the
   * outcome. The tar and the upload of a large volume take longer than an ordinary call may, so it
   * gets a scale's time (HEALTH_TIMEOUT + DOKPLOY_TIMEOUT), outside the concurrency limit.
   */
  volumeBackupRun(volumeBackupId: string, signal?: AbortSignal) {
    return this.call("POST", "volumeBackups.runManually", { volumeBackupId }, null, signal, "scale");
  }
  /** Removes the schedule; the files already in the destination stay there. */
  volumeBackupDelete(volumeBackupId: string, signal?: AbortSignal) {
    return this.call("POST", "volumeBackups.delete", { volumeBackupId }, null, signal);
  }
  /**
   * The files of a destination's folder (`search`: the folder with a trailing "/", then an
   * optional part of the name), rclone's listing: at most 100, no times (the name has one).
   */
  backupFiles(destinationId: string, search: string, signal?: AbortSignal) {
    return this.call("GET", "backup.listBackupFiles", { destinationId, search }, inline(z.array(cs.backupFile)), signal);
  }
  /**
   * Restores a named volume on Dokploy's own server from a backup file: the volume is removed
   * and filled from the tar, unless a container (running or stopped) uses it. Dokploy offers it
   * only as a subscription (subscription.ts); it always ends, and says how only in its last
   * lines: true when the volume was restored. `onLine`: each line as it comes.
   */
  async restoreVolume(
    input: { applicationId: string; destinationId: string; backupFileName: string; volumeName: string },
    signal: AbortSignal,
    onLine?: (line: string) => void,
  ): Promise<{ restored: boolean; lines: string[] }> {
    const path = "volumeBackups.restoreVolumeBackupWithLogs";
    const started = performance.now();
    let outcome = "200";
    try {
      const body = {
        backupFileName: input.backupFileName,
        destinationId: input.destinationId,
        volumeName: input.volumeName,
        id: input.applicationId,
        serviceType: "application",
      };
      const lines = await subscribeLines(this.opts, path, body, signal, onLine);
      return { restored: lines.some((l) => l.includes("Volume restore completed successfully")), lines };
    } catch (err) {
      outcome = err instanceof DokployError ? String(err.status ?? err.failure) : "aborted";
      throw err;
    } finally {
      this.opts.onCall?.({ procedure: path, outcome, durationMs: performance.now() - started });
    }
  }
  /** The backup's runs, newest first (Dokploy keeps about ten). */
  volumeBackupRuns(volumeBackupId: string, signal?: AbortSignal) {
    return this.call("GET", "deployment.allByType", { id: volumeBackupId, type: "volumeBackup" }, inline(z.array(cs.backupRun)), signal);
  }

  // --- settings --------------------------------------------------------------------------

  /** Traefik's global middlewares.yml as text (null when Dokploy has none); admin keys only. */
  readMiddlewareFile(signal?: AbortSignal) {
    return this.call("GET", "settings.readMiddlewareTraefikConfig", undefined, inline(s.middlewareFile), signal);
  }
  /** Replaces the whole middlewares.yml; Traefik's file provider picks it up by itself. */
  writeMiddlewareFile(traefikConfig: string, signal?: AbortSignal) {
    return this.call("POST", "settings.updateMiddlewareTraefikConfig", { traefikConfig }, inline(s.done), signal);
  }

  /** Cheap "reachable and the key is valid" check. */
  version(signal?: AbortSignal) {
    return this.call("GET", "settings.getDokployVersion", undefined, inline(s.version), signal);
  }
}
