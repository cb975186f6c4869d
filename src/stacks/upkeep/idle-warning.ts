import type { Logger } from "../../log.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { IdleForecast } from "./idle-forecast.ts";

/**
 * The warning before an idle stop, sent to the organisation's chat (IDLE_WARNING_WEBHOOK) once
 * per idle spell. The body is JSON with `text` (what Slack, Mattermost and Teams' incoming
 * webhooks show as it is) and the facts for anything that reads it. The webhook's address is a
 * credential and is never logged.
 */

export interface IdleWarning {
  event: "idle_warning";
  stack: string;
  url: string;
  stopsAt: string;
  lastActivityAt: string | null;
  owner: { name: string | null; email: string | null } | null;
  /** The stack's page on the portal, where the owner keeps it awake (PUBLIC_URL known). */
  page: string | null;
  text: string;
}

export function idleWarning(stack: Stack, forecast: IdleForecast, publicUrl: string | undefined): IdleWarning {
  const page = publicUrl ? `${publicUrl.replace(/\/+$/, "")}/#stack=${stack.name}` : null;
  const at = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
  const since = forecast.lastActivityAt ? `: no activity since ${at(forecast.lastActivityAt)}` : "";
  const stopsAt = forecast.stopsAt ?? new Date().toISOString();
  return {
    event: "idle_warning",
    stack: stack.name,
    url: stack.url,
    stopsAt,
    lastActivityAt: forecast.lastActivityAt,
    owner: stack.owner ? { name: stack.owner.name, email: stack.owner.email } : null,
    page,
    text: `The AI stack ${stack.name}${stack.owner?.name ? ` of ${stack.owner.name}` : ""} stops at ${at(stopsAt)}${since}.${page ? ` Keep it awake from its page: ${page}` : ""}`,
  };
}

/** POSTs a warning to the webhook; a failure is logged (without the address) and not retried. */
export function webhookSender(url: string, log: Pick<Logger, "warn">, timeoutMs = 5_000): (warning: IdleWarning) => Promise<boolean> {
  return async (warning) => {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(warning),
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      log.warn({ stack: warning.stack, status: res.status }, "idle warning: the webhook refused it");
    } catch (err) {
      log.warn({ stack: warning.stack, err: err instanceof Error ? err.name : "error" }, "idle warning: the webhook could not be reached");
    }
    return false;
  };
}
