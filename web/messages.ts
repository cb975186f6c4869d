import { type Key, code, t, tn } from "./i18n.ts";
import type { ApiError, StepState } from "./api.ts";
import type { Message } from "./dom.ts";
import { formatWait } from "./durations.ts";
import type { STEP_IDS } from "../src/stacks/model/steps.ts";

/** Which catalog entry says what: codes from the API mapped to message ids (and an error said with them, `explain`). */

/** Every step the portal runs has its words: a new step that lacks them does not compile. */
const STEP: Record<(typeof STEP_IDS)[number], Key> = {
  create_project: "step.create_project",
  create_application: "step.create_application",
  configure: "step.configure",
  deploy: "step.deploy",
  wait_running: "step.wait_running",
  wait_healthy: "step.wait_healthy",
  ready: "step.ready",
  rollback: "step.rollback",
  final_backup: "step.final_backup",
  cancel_deploy: "step.cancel_deploy",
  delete_application: "step.delete_application",
  remove_project: "step.remove_project",
  claim: "step.claim",
  stop_service: "step.stop_service",
  wait_stopped: "step.wait_stopped",
  start_service: "step.start_service",
  apply_plan: "step.apply_plan",
  set_password: "step.set_password",
  set_keys: "step.set_keys",
  safety_backup: "step.safety_backup",
  restore_volume: "step.restore_volume",
};

const STATE: Record<StepState, Key> = {
  pending: "state.pending",
  started: "state.started",
  queued: "state.queued",
  succeeded: "state.succeeded",
  failed: "state.failed",
  skipped: "state.skipped",
};

const STATUS: Record<string, Key> = {
  accepted: "status.accepted",
  building: "status.building",
  rolling_back: "status.rolling_back",
  recovering: "status.recovering",
};

/** A stack's status in the store, as the admin view says it. */
const STACK_STATUS: Record<string, Key> = {
  deploying: "admin.status_deploying",
  ready: "admin.status_ready",
  failed: "admin.status_failed",
  deleting: "admin.status_deleting",
  deleted: "admin.status_deleted",
  cleanup_failed: "admin.status_cleanup_failed",
};

const REASON: Record<string, Key> = {
  too_short: "reason.too_short",
  too_long: "reason.too_long",
  invalid_characters: "reason.invalid_characters",
  must_start_with_letter: "reason.must_start_with_letter",
  invalid_end: "reason.invalid_end",
  consecutive_hyphens: "reason.consecutive_hyphens",
  reserved: "reason.reserved",
  taken: "reason.taken",
  recently_deleted: "reason.recently_deleted",
};

const ERROR: Record<string, Key> = {
  dokploy_unavailable: "error.dokploy_unavailable",
  dokploy_rejected: "error.dokploy_rejected",
  deploy_failed: "error.deploy_failed",
  deploy_timeout: "error.deploy_timeout",
  health_timeout: "error.health_timeout",
  interrupted: "error.interrupted",
  cancelled: "error.cancelled",
  cleanup_failed: "error.cleanup_failed",
  application_missing: "error.application_missing",
  stop_timeout: "error.stop_timeout",
  unschedulable: "error.unschedulable",
  backup_failed: "error.backup_failed",
  operation_in_progress: "error.operation_in_progress",
  stack_not_ready: "error.stack_not_ready",
  // An operation refused because the stack's server is out: the same words as its status.
  node_down: "stack.unavailable_down",
  node_drained: "stack.unavailable_drained",
  stack_not_running: "error.stack_not_running",
  keep_awake_off: "error.keep_awake_off",
  internal: "error.internal",
  invalid_request: "error.invalid_request",
  invalid_json: "error.invalid_json",
  unsupported_media_type: "error.unsupported_media_type",
  rate_limited: "error.rate_limited",
  capacity_reached: "error.capacity_reached",
  no_capacity: "error.no_capacity",
  unauthorized: "error.unauthorized",
  forbidden: "error.forbidden",
  not_found: "error.not_found",
  network: "error.network",
  sign_in_required: "error.sign_in_required",
  session_expired: "error.session_expired",
  user_stack_limit: "error.user_stack_limit",
  already_owned: "error.already_owned",
  cross_site_request: "error.cross_site_request",
  owner_only: "error.owner_only",
  share_limit: "error.share_limit",
  stack_unreachable: "error.stack_unreachable",
  restore_failed: "error.restore_failed",
  backups_off: "error.backups_off",
  backups_out_of_reach: "error.backups_out_of_reach",
  backup_not_found: "error.backup_not_found",
};

export const stepKey = (step: string): Key | null => STEP[step as keyof typeof STEP] ?? null;
export const stateKey = (state: StepState): Key => STATE[state];
export const statusKey = (status: string): Key | null => STATUS[status] ?? null;
export const stackStatusKey = (status: string): Key | null => STACK_STATUS[status] ?? null;
export const reasonKey = (reason: string): Key | null => REASON[reason] ?? null;
/** An error code's explanation; name problems (a 400 from deploy) use the name's wording. */
export const errorKey = (code: string): Key | null => ERROR[code] ?? REASON[code] ?? null;

/** A stack's name inside a message. */
export const nameCode = (name: string) => code(name, "code name-value");

/** A deploy refused by RATE_LIMIT_DEPLOY: how many, within what, what counts, and when the next try works. */
export const explainDeployLimit =
  (error: ApiError, name: string): Message =>
  () =>
    error.policy && error.retryAfter
      ? t("error.rate_limited_deploy", {
          count: error.policy.limit,
          window: formatWait(error.policy.windowSeconds),
          time: formatWait(error.retryAfter),
        })
      : explain(error, name)();

/** An error in the person's words, by its stable code (never the server's message). */
export const explain =
  (error: string | ApiError, name = ""): Message =>
  () => {
    const e = typeof error === "string" ? { code: error } : error;
    if (e.code === "rate_limited" && e.retryAfter) return t("error.rate_limited_wait", { time: formatWait(e.retryAfter) });
    const key = errorKey(e.code);
    return key ? tn(key, { name: nameCode(name) }) : tn("error.unknown", { code: code(e.code) });
  };
