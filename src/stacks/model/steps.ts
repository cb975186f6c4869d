/**
 * The steps of each kind of deployment, in order. Free of dependencies so that the page
 * can bundle the same list the sagas run.
 */
export const DEPLOY_STEPS = ["create_project", "create_application", "configure", "deploy", "wait_running", "wait_healthy", "ready"] as const;
export const DELETE_STEPS = ["final_backup", "cancel_deploy", "delete_application", "remove_project"] as const;
/** A deploy that took a ready stack of the warm pool (stacks/pool/): its first step says so. */
export const CLAIM_STEPS = ["claim", "wait_healthy", "ready"] as const;

/** The owner's operations on a running stack (operations/*.ts). */
export const STOP_STEPS = ["stop_service", "wait_stopped"] as const;
export const START_STEPS = ["start_service", "wait_healthy", "ready"] as const;
export const RESTART_STEPS = ["stop_service", "wait_stopped", "start_service", "wait_healthy", "ready"] as const;
export const REDEPLOY_STEPS = ["apply_plan", "deploy", "wait_running", "wait_healthy", "ready"] as const;
export const PASSWORD_STEPS = ["set_password", "deploy", "wait_running", "wait_healthy", "ready"] as const;
/** The owner's model provider keys (keys/): saved in Dokploy's environment, then redeployed. */
export const KEYS_STEPS = ["set_keys", "deploy", "wait_running", "wait_healthy", "ready"] as const;
/** A backup brought back (backups/restore.ts): a safety copy first, the volume restored while the stack is stopped. */
export const RESTORE_STEPS = ["safety_backup", "stop_service", "wait_stopped", "restore_volume", "start_service", "wait_healthy", "ready"] as const;

export const STEP_IDS = [
  ...DEPLOY_STEPS,
  ...DELETE_STEPS,
  "claim",
  "rollback",
  "stop_service",
  "wait_stopped",
  "start_service",
  "apply_plan",
  "set_password",
  "set_keys",
  "safety_backup",
  "restore_volume",
] as const;

export const OPERATION_KINDS = ["stop", "start", "restart", "redeploy", "password", "keys", "restore"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const STEPS_BY_KIND: Record<"deploy" | "delete" | "warm" | OperationKind, readonly string[]> = {
  deploy: DEPLOY_STEPS,
  delete: DELETE_STEPS,
  /** A stack of the warm pool being made: a deploy's steps, without a domain. */
  warm: DEPLOY_STEPS,
  stop: STOP_STEPS,
  start: START_STEPS,
  restart: RESTART_STEPS,
  redeploy: REDEPLOY_STEPS,
  password: PASSWORD_STEPS,
  keys: KEYS_STEPS,
  restore: RESTORE_STEPS,
};

/** The steps a run of `kind` goes through; `claim`: a deploy that took a pooled stack (the page knows it by its first step, `claim`). */
export function stepsOf(kind: keyof typeof STEPS_BY_KIND, claim: boolean): readonly string[] {
  return kind === "deploy" && claim ? CLAIM_STEPS : STEPS_BY_KIND[kind];
}
