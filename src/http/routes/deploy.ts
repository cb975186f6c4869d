import { clientOf } from "../client-address.ts";
import { z } from "zod";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { bearerToken } from "../middleware.ts";
import { problem } from "../problem.ts";
import { refused } from "../session.ts";
import { readJson } from "../json-body.ts";
import { IDEMPOTENCY_KEY_RULE, isStrongIdempotencyKey } from "../idempotency-key.ts";
import type { DeployAcceptedBody } from "../responses.ts";
import { noStore, notJson, rateLimited } from "../answers.ts";
import { route } from "../route.ts";

const deployBody = z.object({ name: z.string({ message: "name must be a string" }).max(256, "name is too long") });

const NAME_CODES = ["too_short", "too_long", "invalid_characters", "must_start_with_letter", "invalid_end", "consecutive_hyphens", "reserved"];

/** POST /api/deploy: 202 with everything the owner needs, secrets included, exactly once. */
export const DEPLOY_ROUTES = [
  route({
    method: "post",
    path: "/api/deploy",
    tag: "public",
    access: "signed-in",
    // Only accepted deploys use up the budget; a rejected name costs nothing.
    limit: {
      budget: "deploy",
      counts: (c) => c.res.status === 202,
      what: (limit) =>
        `Too many deploys from this address: at most ${limit} (RATE_LIMIT_DEPLOY); accepted deploys count, one that failed through the platform's fault does not`,
      refundable: true,
    },
    summary: "Deploy a new stack",
    description:
      "202 with everything the owner needs; the management token and OpenCode password are shown only here. With AUTH_MODE=oidc a signed-in person deploys and owns the stack (no management token).",
    headers: {
      "Idempotency-Key": {
        description:
          "A repeat with the same key (within 24 h) returns the same deployment and credentials. At least 128 random bits: a UUID v4 or 22+ base64url characters",
        schema: z.string(),
      },
    },
    body: deployBody,
    answers: {
      202: { description: "Accepted; follow `eventsUrl`", schema: "DeployAccepted", headers: { Location: "the snapshot", ...noStore } },
      400: {
        description: "The name breaks a rule (the code says which), or a bad body or Idempotency-Key",
        codes: [...NAME_CODES, "invalid_json", "invalid_request", "invalid_idempotency_key"],
      },
      401: { description: "AUTH_MODE=oidc and nobody signed in", codes: ["sign_in_required", "session_expired"] },
      403: { description: "A signed-in change from another site", codes: ["cross_site_request"] },
      408: { description: "The body did not arrive within BODY_TIMEOUT", codes: ["request_timeout"] },
      409: {
        description:
          "The name is taken or held after a delete, the person's stack limit is reached, or no Swarm node has room for another stack (`no_capacity`: refused at once, logged and counted for the administrator)",
        codes: ["taken", "recently_deleted", "user_stack_limit", "no_capacity"],
      },
      410: { description: "The Idempotency-Key's stack was deleted", codes: ["stack_deleted"] },
      413: { description: "The body is too large", codes: ["payload_too_large"] },
      415: notJson,
      422: { description: "The Idempotency-Key was used for another name", codes: ["idempotency_key_reused"] },
      429: rateLimited,
      503: { description: "MAX_STACKS live stacks exist", codes: ["capacity_reached", "too_many_uploads"] },
    },
    handler:
      ({ stacks }: { stacks: StackService }) =>
      async (c) => {
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
      },
  }),
];
