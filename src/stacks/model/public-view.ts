import type { Deployment, DeploymentError, DeploymentEvent, Leftover } from "./vocabulary.ts";

/**
 * What anyone holding a deployment id may read: the portal's own words. Dokploy's error text
 * (which can echo env values or SQL) stays in the log and in the `detail` that only the
 * stack's owner and the admin see. Applied when answering, so rows written before this
 * rule (whose message was Dokploy's text) are covered too.
 */
const PUBLIC_MESSAGE: Partial<Record<DeploymentError["code"], string>> = {
  dokploy_unavailable: "Dokploy could not be reached or did not answer in time",
  dokploy_rejected: "Dokploy refused a request of the deploy; the portal's log says why",
};

export function publicError(error: DeploymentError): DeploymentError {
  return { code: error.code, message: PUBLIC_MESSAGE[error.code] ?? error.message };
}

/** The portal's message for a Dokploy failure of this code (the saga stores it as the message). */
export function publicMessageFor(code: DeploymentError["code"]): string | undefined {
  return PUBLIC_MESSAGE[code];
}

const publicLeftover = (l: Leftover): Leftover => ({ kind: l.kind, id: l.id, error: "could not be removed" });

export function publicEvent(event: DeploymentEvent): DeploymentEvent {
  if (event.type === "step" && event.data.error) return { ...event, data: { ...event.data, error: publicError(event.data.error) } };
  if (event.type === "done" && (event.data.error || event.data.leftovers)) {
    const { error, leftovers, ...rest } = event.data;
    return {
      ...event,
      data: { ...rest, ...(error ? { error: publicError(error) } : {}), ...(leftovers ? { leftovers: leftovers.map(publicLeftover) } : {}) },
    };
  }
  if (event.type === "status" && event.data.status === "rolling_back")
    return { ...event, data: { ...event.data, message: "Removing what was created" } };
  return event;
}

export function publicDeployment(deployment: Deployment): Deployment {
  return {
    ...deployment,
    error: deployment.error ? publicError(deployment.error) : null,
    leftovers: deployment.leftovers.map(publicLeftover),
  };
}
