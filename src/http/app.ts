import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./env.ts";
import { requestContext } from "./middleware.ts";
import { problem } from "./problem.ts";
import { type HealthDeps, healthRoutes } from "./routes/health.ts";
import { checkRoutes } from "./routes/check.ts";
import { deployRoutes } from "./routes/deploy.ts";
import { type DeploymentRouteDeps, deploymentRoutes } from "./routes/deployments.ts";
import { stackRoutes } from "./routes/stacks.ts";
import { pageRoutes } from "./routes/page.ts";
import type { AvailabilityIndex } from "../stacks/availability.ts";

export interface AppDeps extends HealthDeps, DeploymentRouteDeps {
  log: Logger;
  availability: AvailabilityIndex;
  adminToken?: string;
  trustProxy: boolean;
}

/** The portal's HTTP surface. Handlers are thin: parse, call the domain, map the result. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.log, deps.trustProxy));
  app.route("/", healthRoutes(deps));
  app.route("/", checkRoutes(deps.availability));
  app.route("/", deployRoutes(deps.stacks));
  app.route("/", deploymentRoutes(deps));
  app.route("/", stackRoutes(deps));
  app.route("/", pageRoutes({ mode: deps.mode }));
  // Registered last so it sees every route; answers 405 in the portal's error format.
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, allowed) =>
        problem(c, 405, "method_not_allowed", `Use ${allowed.join(", ")} for this path`, { Allow: allowed.join(", ") }),
    }),
  );
  app.notFound((c) => problem(c, 404, "not_found", "There is nothing at this address"));
  app.onError((err, c) => {
    c.get("log")?.error({ err: err.message, stack: err.stack }, "unhandled error");
    return problem(c, 500, "internal", "Something went wrong in the portal; the request id identifies it in the log");
  });
  return app;
}
