/**
 * The steps of each kind of deployment, in order. Free of dependencies so that the page
 * can bundle the same list the sagas run.
 */
export const DEPLOY_STEPS = ["create_project", "create_application", "configure", "deploy", "wait_running", "wait_healthy", "ready"] as const;
export const DELETE_STEPS = ["final_backup", "cancel_deploy", "delete_application", "remove_project"] as const;

/** The owner's operations on a running stack (operations/*.ts). */
export const STOP_STEPS = ["stop_service", "wait_stopped"] as const;
export const START_STEPS = ["start_service", "wait_healthy", "ready"] as const;
export const RESTART_STEPS = ["stop_service", "wait_stopped", "start_service", "wait_healthy", "ready"] as const;
export const REDEPLOY_STEPS = ["apply_plan", "deploy", "wait_running", "wait_healthy", "ready"] as const;
export const PASSWORD_STEPS = ["set_password", "deploy", "wait_running", "wait_healthy", "ready"] as const;

export const STEP_IDS = [
  ...DEPLOY_STEPS,
  ...DELETE_STEPS,
  "rollback",
  "stop_service",
  "wait_stopped",
  "start_service",
  "apply_plan",
  "set_password",
] as const;

export const OPERATION_KINDS = ["stop", "start", "restart", "redeploy", "password"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const STEPS_BY_KIND: Record<"deploy" | "delete" | OperationKind, readonly string[]> = {
  deploy: DEPLOY_STEPS,
  delete: DELETE_STEPS,
  stop: STOP_STEPS,
  start: START_STEPS,
  restart: RESTART_STEPS,
  redeploy: REDEPLOY_STEPS,
  password: PASSWORD_STEPS,
};
