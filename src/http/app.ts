import { type Context, Hono, type MiddlewareHandler } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { StackSso } from "../stacks/sso/stack-sso.ts";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./env.ts";
import { isAdminRequest, requestContext, requireToken } from "./middleware.ts";
import { authFailureGuard } from "./auth-failures.ts";
import { bodyDeadline } from "./body-deadline.ts";
import { problem } from "./problem.ts";
import type { AvailabilityIndex } from "../stacks/deploy/availability.ts";
import type { Metrics } from "../metrics.ts";
import { type Limit, limitPerClient } from "./rate-limits.ts";
import type { DeployRefunds } from "./deploy-refunds.ts";
import { securityMiddleware } from "./security.ts";
import type { StackOperations } from "../stacks/operations/operation-service.ts";
import type { Auth } from "../auth/index.ts";
import type { Fleet } from "../stacks/fleet/fleet.ts";
import type { MoveStack } from "../stacks/fleet/move-stack.ts";
import { sessionMiddleware } from "./session.ts";
import type { Budget, RouteLimit } from "./route.ts";
import { API_ROUTES } from "./routes/index.ts";
import type { HealthDeps } from "./routes/health.ts";
import type { DeploymentRouteDeps } from "./routes/deployments.ts";
import type { AdminDeps } from "./routes/admin.ts";
import type { RolloutRouteDeps } from "./routes/rollouts.ts";
import { pageRoutes } from "./routes/page.ts";

export interface AppDeps extends HealthDeps, DeploymentRouteDeps, AdminDeps, RolloutRouteDeps {
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
  /** Accepted deploys until they end: one that fails through the platform gives its RATE_LIMIT_DEPLOY use back. */
  deployRefunds?: DeployRefunds;
  operations: StackOperations;
  metrics: Metrics;
  metricsToken?: string;
  refreshMetrics: () => void | Promise<void>;
  nameQuarantineDays: number;
  /** Sign-in (AUTH_MODE=oidc); null in open mode. */
  auth: Auth | null;
  /** Stacks across Dokploy's Swarm nodes. */
  fleet: Fleet;
  /** An admin's move of a stack to another node. */
  moveStack: MoveStack;
  /** STACK_SSO=on: the forwardAuth gate in front of every stack; null otherwise. */
  stackSso?: StackSso | null;
}

/**
 * The portal's HTTP surface: the API's routes (src/http/routes/, each with its budget, access
 * and description) and the page. Handlers are thin: parse, call the domain, map the result.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.log, { proxyHops: deps.trustProxy, ipv6Prefix: deps.ipv6Prefix }));
  app.use(bodyDeadline({ timeoutMs: deps.bodyTimeoutMs, perClient: 8, total: 256 }));
  app.use(...securityMiddleware({ corsOrigins: deps.corsOrigins, trustProxy: deps.trustProxy > 0 }));
  if (deps.auth) app.use(sessionMiddleware(deps.auth));
  const limited = (name: string) => () => deps.metrics.rateLimited.inc({ limit: name });
  // The admin token is for operators, who are not held to per-client budgets.
  const exempt = (c: Context<AppEnv>) => isAdminRequest(c.req.header("authorization"), deps.adminToken);
  // Every refusal on the API counts against the client's failed sign-ins: one guard for all routes.
  const guard = authFailureGuard(deps.limits.auth, deps.audit, limited("auth"));
  app.use("/api/*", guard).use("/metrics", guard);
  // Any method on any path under /api/admin/ (unknown ones too) asks for the admin token first, and /metrics for METRICS_TOKEN.
  const admin = requireToken(deps.adminToken, "admin", { signedInAdmin: true });
  app.use("/api/admin/*", admin);
  if (deps.metricsToken) app.use("/metrics", requireToken(deps.metricsToken, "metrics"));
  // One limiter per budget, shared by the routes naming it; all before any handler, as a request
  // spends each budget whose path it matches.
  const budgets = new Map<Budget, { limit: RouteLimit; limiter: MiddlewareHandler<AppEnv> }>();
  for (const { method, path, limit } of API_ROUTES) {
    if (!limit) continue;
    let budget = budgets.get(limit.budget);
    if (!budget) {
      const refunds = limit.refundable ? deps.deployRefunds : undefined;
      const limiter = limitPerClient(limit.budget, deps.limits[limit.budget], limited(limit.budget), {
        exempt,
        counts: limit.counts,
        what: limit.what,
        // The deployment the answer's Location names, held until it ends (DeployRefunds).
        onCounted:
          refunds &&
          ((c, giveBack) => {
            const id = c.res.headers.get("Location")?.split("/").pop();
            if (id) refunds.hold(id, giveBack);
          }),
      });
      budget = { limit, limiter };
      budgets.set(limit.budget, budget);
    } else if (budget.limit.counts !== limit.counts || budget.limit.what !== limit.what || budget.limit.refundable !== limit.refundable)
      throw new Error(`${path}: the routes sharing the ${limit.budget} budget must count alike`);
    app.on(method.toUpperCase(), path, budget.limiter);
  }
  for (const route of API_ROUTES) {
    const handler = route.handler(deps);
    if (!handler) continue;
    // An admin route outside /api/admin/ (the stack list) is guarded on its own.
    if (route.access === "admin" && !route.path.startsWith("/api/admin/")) app.on(route.method.toUpperCase(), route.path, admin, handler);
    else app.on(route.method.toUpperCase(), route.path, handler);
  }
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
