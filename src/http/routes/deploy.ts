import { clientOf } from "../client-address.ts";
import { Hono } from "hono";
import { z } from "zod";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { AppEnv } from "../env.ts";
import { bearerToken } from "../middleware.ts";
import { problem } from "../problem.ts";
import { refused } from "../session.ts";
import { readJson } from "../json-body.ts";
import { IDEMPOTENCY_KEY_RULE, isStrongIdempotencyKey } from "../idempotency-key.ts";
import type { DeployAcceptedBody } from "../responses.ts";

/** POST /api/deploy's body (also the OpenAPI document's). */
export const deployBody = z.object({ name: z.string({ message: "name must be a string" }).max(256, "name is too long") });

/** POST /api/deploy: 202 with everything the owner needs, secrets included, exactly once. */
export function deployRoutes(stacks: StackService) {
  return new Hono<AppEnv>().post("/api/deploy", async (c) => {
    const body = await readJson(c, deployBody);
    if (!body.ok) return body.response;
    const idempotencyKey = c.req.header("idempotency-key");
    if (idempotencyKey !== undefined && !isStrongIdempotencyKey(idempotencyKey))
      return problem(c, 400, "invalid_idempotency_key", IDEMPOTENCY_KEY_RULE);
    const result = await stacks.deploy(body.value.name, {
      bearer: bearerToken(c.req.header("authorization")),
      person: c.get("person"),
      client: clientOf(c),
      idempotencyKey,
    });
    if (!result.ok) return refused(c, result.code, result.message);
    const { deploymentId, name, url, managementToken, credentials } = result;
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    c.header("Cache-Control", "no-store");
    c.header("Location", `/api/deployments/${deploymentId}`);
    return c.json(
      {
        deploymentId,
        name,
        url,
        eventsUrl: `/api/deployments/${deploymentId}/events`,
        statusUrl: `/api/deployments/${deploymentId}`,
        managementToken,
        credentials,
      } satisfies DeployAcceptedBody,
      202,
    );
  });
}
