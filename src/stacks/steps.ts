/**
 * The steps of a deploy and of a delete, in order. Free of dependencies so that the page
 * can bundle the same list the sagas run.
 */
export const DEPLOY_STEPS = ["create_project", "create_application", "configure", "deploy", "wait_running", "wait_healthy", "ready"] as const;
export const DELETE_STEPS = ["cancel_deploy", "delete_application", "remove_project"] as const;
export const STEP_IDS = [...DEPLOY_STEPS, ...DELETE_STEPS, "rollback"] as const;
