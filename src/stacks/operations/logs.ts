import { z } from "zod";
import { credentialsIn } from "../probe/opencode-api.ts";
import { ownerVars } from "../keys/stack-env.ts";
import { DokployError } from "../../dokploy/errors.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { Ports } from "../runs/ports.ts";

/**
 * The last lines of a stack's logs, for its owner: Dokploy's log of the newest deploy
 * (deployment.readLogs) and the container's recent output (application.readLogs, which
 * Dokploy v0.30 offers over its REST API as `docker service logs --timestamps`). Secrets
 * are scrubbed: values of password, token, secret and key variables, credentials in URLs
 * and Authorization headers, and the portal's own secrets wherever they appear.
 */

const ASSIGNMENT = /\b([A-Za-z0-9_]*(?:PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_KEY)[A-Za-z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi;
const AUTH_HEADER = /\b(authorization|x-api-key)(\s*:\s*)(basic|bearer)?\s*\S+/gi;

export function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = text
    .replace(ASSIGNMENT, (_m, key: string, sep: string) => `${key}${sep}[redacted]`)
    .replace(URL_CREDENTIALS, "$1[redacted]@")
    .replace(AUTH_HEADER, (_m, key: string, sep: string, scheme?: string) => `${key}${sep}${scheme ? `${scheme} ` : ""}[redacted]`);
  for (const secret of secrets) if (secret && secret.length >= 6) out = out.split(secret).join("[redacted]");
  return out;
}

export const ownerStackLogs = z.object({
  name: z.string(),
  tail: z.number().int(),
  /** Dokploy's log of the newest deploy; null when there is none or it could not be read (deployError). */
  deploy: z.object({ dokployDeploymentId: z.string(), status: z.string().nullable(), createdAt: z.string(), lines: z.array(z.string()) }).nullable(),
  deployError: z.string().nullable(),
  /** The container's recent output; null with containerError ("no_container", or the failed call). */
  container: z.object({ lines: z.array(z.string()) }).nullable(),
  containerError: z.string().nullable(),
});
export type StackLogs = z.infer<typeof ownerStackLogs>;

const lines = (text: string) => text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);

export async function stackLogs(
  deps: Pick<Ports, "client" | "config">,
  stack: Stack,
  tail: number,
  portalSecrets: (string | undefined)[],
): Promise<StackLogs> {
  const applicationId = stack.applicationId;
  // The stack's own secrets too, wherever they show: its password and its owner's model keys.
  const env = applicationId ? await deps.client.applicationEnvironment(applicationId).catch(() => "") : "";
  const own = [credentialsIn(env)?.password, ...ownerVars(env).values()];
  const secrets = [...portalSecrets, deps.config.STACK_REGISTRY_PASSWORD, ...own];
  const unavailable = (err: unknown) => (err instanceof DokployError ? `${err.procedure}: ${err.failure}` : "unavailable");
  let deploy: StackLogs["deploy"] = null;
  let deployError: string | null = null;
  let container: StackLogs["container"] = null;
  let containerError: string | null = null;
  if (applicationId) {
    await Promise.all([
      (async () => {
        try {
          const newest = (await deps.client.deployments(applicationId))[0];
          if (!newest) return;
          const text = await deps.client.deploymentLogs(newest.deploymentId, tail);
          deploy = {
            dokployDeploymentId: newest.deploymentId,
            status: newest.status,
            createdAt: newest.createdAt,
            lines: lines(scrub(text, secrets)),
          };
        } catch (err) {
          deployError = unavailable(err);
        }
      })(),
      (async () => {
        try {
          container = { lines: lines(scrub(await deps.client.applicationReadLogs({ applicationId, tail }), secrets)) };
        } catch (err) {
          // Dokploy answers 500 when there is neither a container nor a service (never deployed).
          containerError = err instanceof DokployError && err.failure === "not_found" ? "no_container" : unavailable(err);
        }
      })(),
    ]);
  }
  return { name: stack.name, tail, deploy, deployError, container, containerError };
}
