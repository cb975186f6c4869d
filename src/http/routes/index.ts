import { HEALTH_ROUTES } from "./health.ts";
import { METRICS_ROUTES } from "./metrics.ts";
import { OPENAPI_ROUTES } from "./openapi.ts";
import { INFO_ROUTES } from "./info.ts";
import { CHECK_ROUTES } from "./check.ts";
import { DEPLOY_ROUTES } from "./deploy.ts";
import { DEPLOYMENT_ROUTES } from "./deployments.ts";
import { DEPLOYMENT_REPORT_ROUTES } from "./deployment-report.ts";
import { STACK_ROUTES } from "./stacks.ts";
import { STACK_ACCESS_ROUTES } from "./stack-access.ts";
import { OWNER_ROUTES } from "./owner.ts";
import { SHARE_ROUTES } from "./shares.ts";
import { AUTH_ROUTES } from "./auth.ts";
import { ADMIN_STACK_ROUTES } from "./admin-stacks.ts";
import { ADMIN_ROUTES } from "./admin.ts";
import { STACK_GATE_ROUTES } from "./stack-gate.ts";
import { ADMIN_FLEET_ROUTES } from "./admin-fleet.ts";
import { CAPACITY_ROUTES } from "./capacity.ts";
import { ROLLOUT_ROUTES } from "./rollouts.ts";

/**
 * Every route of the API, in the OpenAPI document's order (app.ts registers them in the same
 * order; the page, src/http/routes/page.ts, is not part of the API).
 */
export const API_ROUTES = [
  ...HEALTH_ROUTES,
  ...METRICS_ROUTES,
  ...OPENAPI_ROUTES,
  ...INFO_ROUTES,
  ...CHECK_ROUTES,
  ...DEPLOY_ROUTES,
  ...DEPLOYMENT_ROUTES,
  ...DEPLOYMENT_REPORT_ROUTES,
  ...STACK_ROUTES,
  ...STACK_ACCESS_ROUTES,
  ...OWNER_ROUTES,
  ...SHARE_ROUTES,
  ...AUTH_ROUTES,
  ...ADMIN_STACK_ROUTES,
  ...ADMIN_ROUTES,
  ...STACK_GATE_ROUTES,
  ...ADMIN_FLEET_ROUTES,
  ...CAPACITY_ROUTES,
  ...ROLLOUT_ROUTES,
];
