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
import type { Metrics } from "../metrics.ts";
import { type Limit, limitPerClient } from "./rate-limits.ts";
import { securityMiddleware } from "./security.ts";
import { type AdminDeps, adminRoutes } from "./routes/admin.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import type { Auth } from "../auth/index.ts";
import { sessionMiddleware } from "./session.ts";
import { authRoutes } from "./routes/auth.ts";

export interface AppDeps extends HealthDeps, DeploymentRouteDeps, AdminDeps {
  log: Logger;
  availability: AvailabilityIndex;
  adminToken?: string;
  trustProxy: boolean;
  corsOrigins: string[];
  limits: { deploy: Limit; delete: Limit; check: Limit };
  metrics: Metrics;
  metricsToken?: string;
  refreshMetrics: () => void;
  /** Sign-in (AUTH_MODE=oidc); null in open mode. */
  auth: Auth | null;
}

/** The portal's HTTP surface. Handlers are thin: parse, call the domain, map the result. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.log, deps.trustProxy));
  app.use(...securityMiddleware({ corsOrigins: deps.corsOrigins, trustProxy: deps.trustProxy }));
  if (deps.auth) app.use(sessionMiddleware(deps.auth));
  const limited = (name: string) => () => deps.metrics.rateLimited.inc({ limit: name });
  const check = limitPerClient("check", deps.limits.check, limited("check"));
  const del = limitPerClient("delete", deps.limits.delete, limited("delete"));
  app.get("/api/check", check).get("/api/check/*", check);
  // Each "Sign in" stores a login attempt: the name check's limit keeps that bounded.
  app.get("/auth/login", check);
  app.post("/api/deploy", limitPerClient("deploy", deps.limits.deploy, limited("deploy")));
  app.delete("/api/stack/:name", del).delete("/api/stacks/:name", del);
  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", checkRoutes(deps.availability));
  app.route("/", deployRoutes(deps.stacks));
  app.route("/", deploymentRoutes(deps));
  app.route("/", stackRoutes(deps));
  app.route("/", adminRoutes(deps));
  app.route("/", metricsRoutes(deps.metrics, { token: deps.metricsToken, refresh: deps.refreshMetrics }));
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
