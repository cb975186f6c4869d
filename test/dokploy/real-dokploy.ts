import { DokployClient } from "../../src/dokploy/client.ts";
import type { DockerApiError } from "../../src/sandbox/engine/docker-api.ts";
import { ENGINE_IMAGE, ENGINE_PORTAL_IMAGE, docker, dockerCli } from "../engine/engine.ts";

/**
 * The conformance suite (`npm run test:dokploy`) runs against a real Dokploy v0.30 named by
 * DOKPLOY_CONFORMANCE_URL and DOKPLOY_CONFORMANCE_KEY (an API key with its rate limit off),
 * on the machine whose Docker Engine that Dokploy drives: the suite reads Swarm itself to
 * check what Dokploy did. The portal goes in as operators put it there (`npm run
 * self-deploy`), with the images scripts/engine/up.sh builds. Use a Dokploy you can spare:
 * the suite replaces the portal project there and removes every project of its prefix.
 */

export const URL = process.env.DOKPLOY_CONFORMANCE_URL?.replace(/\/+$/, "") ?? "";
export const KEY = process.env.DOKPLOY_CONFORMANCE_KEY ?? "";
/** The stack and portal images, in a registry the Dokploy's engine pulls from. */
export const STACK_IMAGE = ENGINE_IMAGE;
export const PORTAL_IMAGE = ENGINE_PORTAL_IMAGE;
/** Where the self-deployed portal answers on this machine (a host-mode published port). */
export const PORTAL_PORT = Number(process.env.DOKPLOY_CONFORMANCE_PORTAL_PORT ?? 13000);
/** Every stack of the suite carries this prefix in its project and volume names. */
export const PREFIX = "cf-";

export function conformanceSkipReason(): string | null {
  const why = !URL || !KEY ? "DOKPLOY_CONFORMANCE_URL and DOKPLOY_CONFORMANCE_KEY are not set" : null;
  if (why) console.log(`Dokploy conformance suite skipped: ${why} (scripts/dokploy/README.md says how to stand one up)`);
  return why;
}

export const dokploy = new DokployClient({
  baseUrl: URL || "http://127.0.0.1:1",
  apiKey: KEY,
  timeoutMs: 60_000,
  maxConcurrency: 4,
  circuitFailures: 1_000,
  circuitCooldownMs: 1_000,
});

/**
 * Dokploy's address from inside a container: DOKPLOY_CONFORMANCE_PORTAL_DOKPLOY_URL, else the
 * URL's port on the docker_gwbridge gateway (where a Dokploy on the host is reached).
 */
export function portalDokployUrl(): string {
  if (process.env.DOKPLOY_CONFORMANCE_PORTAL_DOKPLOY_URL) return process.env.DOKPLOY_CONFORMANCE_PORTAL_DOKPLOY_URL;
  const gateway = dockerCli("network", "inspect", "docker_gwbridge", "--format", "{{(index .IPAM.Config 0).Gateway}}");
  return `http://${gateway}:${new globalThis.URL(URL).port || 80}`;
}

/** The Swarm service whose name holds `name` (Dokploy adds a random suffix to appName). */
export function serviceOf(name: string): string | null {
  return (
    dockerCli("service", "ls", "--format", "{{.Name}}")
      .split("\n")
      .find((s) => s.includes(name)) ?? null
  );
}

/**
 * Removes what earlier runs left: every project of the suite's prefix and the portal's own
 * project, their applications first (that removes their services), then their volumes.
 */
export async function removeLeftovers(portalProject: string, portalVolume: string): Promise<void> {
  const projects = (await dokploy.projectAll()).filter((p) => p.name.startsWith(PREFIX) || p.name === portalProject);
  for (const project of projects) {
    for (const env of project.environments) for (const app of env.applications) await dokploy.applicationDelete(app.applicationId);
    await dokploy.projectRemove(project.projectId);
  }
  const volumes = (await docker.volumes()).map((v) => v.Name).filter((n) => n.startsWith(PREFIX) || n === portalVolume);
  // A removed service's containers take a moment to go; until then their volumes are in use.
  for (let attempt = 0; attempt < 60; attempt++) {
    const left: string[] = [];
    for (const volume of volumes) await docker.removeVolumeStrict(volume).catch((err: DockerApiError) => err.status !== 404 && left.push(volume));
    if (left.length === 0) return;
    volumes.splice(0, volumes.length, ...left);
    await Bun.sleep(500);
  }
  throw new Error(`volumes still in use: ${volumes.join(", ")}`);
}

/**
 * What OpenCode inside the stack's container answers on /global/health with this password; 0
 * when it does not answer in 5 s.
 */
export function openCodeStatus(container: string, password: string): number {
  const auth = Buffer.from(`opencode:${password}`).toString("base64");
  const script = `fetch("http://127.0.0.1:8080/global/health", { headers: { authorization: "Basic ${auth}" }, signal: AbortSignal.timeout(5000) }).then((r) => console.log(r.status), () => console.log(0))`;
  return Number(dockerCli("exec", container, "bun", "-e", script));
}
