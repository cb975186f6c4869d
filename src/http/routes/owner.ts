import { type Context, Hono } from "hono";
import { z } from "zod";
import type { StackOperations } from "../../stacks/operations/operation-service.ts";
import { OPERATION_KINDS, type OperationKind } from "../../stacks/model/steps.ts";
import type { AppEnv } from "../env.ts";
import { requestCredentials } from "../session.ts";
import { problem, statusFor } from "../problem.ts";
import type { ErrorBody, OperationAcceptedBody, OperationNothingToDoBody } from "../responses.ts";

/**
 * The owner's API for one stack, authorised by its management token or ADMIN_TOKEN:
 * details, logs, and the operations (stop, start, restart, redeploy, password).
 */

/** `?lines=` of the logs: 1 to 1000 (also the OpenAPI document's). */
export const logLinesParam = z
  .string()
  .regex(/^\d{1,4}$/)
  .transform(Number)
  .pipe(z.number().int().min(1).max(1000));

function refuse(c: Context<AppEnv>, code: string, message: string, runningId?: string) {
  const headers: Record<string, string> = code === "unauthorized" ? { "WWW-Authenticate": 'Bearer realm="stack"' } : {};
  // A conflicting operation: its id lets the caller follow it instead.
  if (runningId) return c.json({ error: { code, message, deploymentId: runningId } } satisfies ErrorBody, 409, headers);
  return problem(c, statusFor(code), code, message, headers);
}

export function ownerRoutes(operations: StackOperations) {
  const app = new Hono<AppEnv>();

  app.get("/api/stacks/:name/details", async (c) => {
    const result = await operations.details(c.req.param("name"), requestCredentials(c));
    if (!result.ok) return refuse(c, result.code, result.message);
    c.header("Cache-Control", "no-store");
    return c.json(result.details);
  });

  app.get("/api/stacks/:name/logs", async (c) => {
    const lines = logLinesParam.safeParse(c.req.query("lines") ?? "100");
    if (!lines.success) return problem(c, 400, "invalid_request", "lines must be a whole number from 1 to 1000");
    const result = await operations.logs(c.req.param("name"), requestCredentials(c), lines.data);
    if (!result.ok) return refuse(c, result.code, result.message);
    c.header("Cache-Control", "no-store");
    return c.json(result.logs);
  });

  for (const kind of OPERATION_KINDS) {
    app.post(`/api/stacks/:name/${kind}`, async (c) => {
      const result = await operations.request(kind as OperationKind, c.req.param("name"), requestCredentials(c));
      if (!result.ok) return refuse(c, result.code, result.message, result.runningId);
      c.header("Cache-Control", "no-store");
      if (result.deploymentId === null)
        return c.json(
          { name: result.name, operation: kind, deploymentId: null, nothingToDo: true, message: result.message } satisfies OperationNothingToDoBody,
          200,
        );
      c.header("Location", `/api/deployments/${result.deploymentId}`);
      return c.json(
        {
          deploymentId: result.deploymentId,
          name: result.name,
          operation: kind,
          eventsUrl: `/api/deployments/${result.deploymentId}/events`,
          statusUrl: `/api/deployments/${result.deploymentId}`,
          // The new password, shown only here, like the first one.
          ...(result.password ? { credentials: { username: "opencode", password: result.password } } : {}),
        } satisfies OperationAcceptedBody,
        202,
      );
    });
  }
  return app;
}
