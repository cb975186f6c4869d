import { type Context, Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { StackSso } from "../stacks/sso/stack-sso.ts";
import { OPERATION_KINDS } from "../stacks/model/steps.ts";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./env.ts";
import { isAdminRequest, requestContext } from "./middleware.ts";
import { authFailureGuard } from "./auth-failures.ts";
import { bodyDeadline } from "./body-deadline.ts";
import { problem } from "./problem.ts";
import { type HealthDeps, healthRoutes } from "./routes/health.ts";
import { checkRoutes } from "./routes/check.ts";
import { deployRoutes } from "./routes/deploy.ts";
import { type DeploymentRouteDeps, deploymentRoutes } from "./routes/deployments.ts";
import { stackRoutes } from "./routes/stacks.ts";
import { pageRoutes } from "./routes/page.ts";
import type { AvailabilityIndex } from "../stacks/deploy/availability.ts";
import type { Metrics } from "../metrics.ts";
import { type Limit, limitPerClient } from "./rate-limits.ts";
import { securityMiddleware } from "./security.ts";
import { type AdminDeps, adminRoutes } from "./routes/admin.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { ownerRoutes } from "./routes/owner.ts";
import type { StackOperations } from "../stacks/operations/operation-service.ts";
import { stackAccessRoutes } from "./routes/stack-access.ts";
import { deploymentReportRoutes } from "./routes/deployment-report.ts";
import { infoRoutes } from "./routes/info.ts";
import { adminStackRoutes } from "./routes/admin-stacks.ts";
import type { Auth } from "../auth/index.ts";
import { sessionMiddleware } from "./session.ts";
import { authRoutes } from "./routes/auth.ts";
import { type RolloutRouteDeps, rolloutRoutes } from "./routes/rollouts.ts";
import { type CapacityRouteDeps, capacityRoutes } from "./routes/capacity.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { adminFleetRoutes } from "./routes/admin-fleet.ts";
import type { Fleet } from "../stacks/fleet/fleet.ts";
import { stackGateRoutes } from "./routes/stack-gate.ts";

export interface AppDeps extends HealthDeps, DeploymentRouteDeps, AdminDeps, RolloutRouteDeps, CapacityRouteDeps {
  log: Logger;
  availability: AvailabilityIndex;
  adminToken?: string;
  /** Trusted proxies in front of the portal (TRUST_PROXY); 0: none. */
  trustProxy: number;
  /** RATE_LIMIT_IPV6_PREFIX: an IPv6 client's budgets are its network's. */
  ipv6Prefix: number;
  /** BODY_TIMEOUT: how long a request body may take to arrive. */
  bodyTimeoutMs: number;
  corsOrigins: string[];
  limits: { deploy: Limit; delete: Limit; check: Limit; auth: Limit; operations: Limit };
  operations: StackOperations;
  metrics: Metrics;
  metricsToken?: string;
  refreshMetrics: () => void | Promise<void>;
  nameQuarantineDays: number;
  /** Sign-in (AUTH_MODE=oidc); null in open mode. */
  auth: Auth | null;
  /** Stacks across Dokploy's Swarm nodes. */
  fleet: Fleet;
  /** STACK_SSO=on: the forwardAuth gate in front of every stack; null otherwise. */
  stackSso?: StackSso | null;
  stackDomainSuffix?: string;
}

/** The portal's HTTP surface. Handlers are thin: parse, call the domain, map the result. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.log, { proxyHops: deps.trustProxy, ipv6Prefix: deps.ipv6Prefix }));
  app.use(bodyDeadline({ timeoutMs: deps.bodyTimeoutMs, perClient: 8, total: 256 }));
  app.use(...securityMiddleware({ corsOrigins: deps.corsOrigins, trustProxy: deps.trustProxy > 0 }));
  if (deps.auth) app.use(sessionMiddleware(deps.auth));
  const limited = (name: string) => () => deps.metrics.rateLimited.inc({ limit: name });
  // The admin token is for operators, who are not held to per-client budgets.
  const exempt = (c: Context<AppEnv>) => isAdminRequest(c.req.header("authorization"), deps.adminToken);
  const check = limitPerClient("check", deps.limits.check, limited("check"), { exempt });
  const del = limitPerClient("delete", deps.limits.delete, limited("delete"), { exempt });
  // Every refusal on the API counts against the client's failed sign-ins: one guard for all routes.
  const guard = authFailureGuard(deps.limits.auth, deps.store.audit, limited("auth"));
  app.use("/api/*", guard).use("/metrics", guard);
  app.get("/api/check", check).get("/api/check/*", check).get("/api/stacks/:name/access", check);
  // Each "Sign in" stores a login attempt: the name check's limit keeps that bounded.
  app.get("/auth/login", check);
  // A stack's status tells whether a name exists: it shares the name check's budget.
  app.get("/api/stacks/:name", check);
  // Only accepted deploys use up the budget; a rejected name costs nothing.
  app.post("/api/deploy", limitPerClient("deploy", deps.limits.deploy, limited("deploy"), { exempt, counts: (c) => c.res.status === 202 }));
  app.delete("/api/stack/:name", del).delete("/api/stacks/:name", del);
  // The owner's operations: a budget per client (not for the admin token).
  const ops = limitPerClient("operations", deps.limits.operations, limited("operations"), { exempt });
  // Each path spelled out (not /:operation): a parameter beside the routes' fixed segments
  // makes Hono fall back from its RegExpRouter to the slower TrieRouter for every request.
  for (const path of [...OPERATION_KINDS, "claim"]) app.post(`/api/stacks/:name/${path}`, ops);
  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", stackGateRoutes({ ...deps, sso: deps.stackSso ?? null, stackDomainSuffix: deps.stackDomainSuffix ?? "" }));
  app.route("/", checkRoutes(deps.availability));
  app.route("/", deployRoutes(deps.stacks));
  app.route("/", deploymentRoutes(deps));
  app.route("/", stackRoutes(deps));
  app.route("/", ownerRoutes(deps.operations));
  app.route("/", adminRoutes(deps));
  app.route("/", stackAccessRoutes(deps));
  app.route("/", deploymentReportRoutes(deps));
  app.route("/", infoRoutes(deps));
  app.route("/", adminStackRoutes(deps));
  app.route("/", rolloutRoutes(deps));
  app.route("/", capacityRoutes(deps));
  app.route("/", openApiRoutes({ version: deps.version }));
  app.route("/", adminFleetRoutes(deps));
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
