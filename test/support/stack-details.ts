import { type Harness, waitFor } from "./harness.ts";

/** A stack's details as its owner reads them (GET /api/stacks/:name/details). */
export async function details(h: Harness, name: string, token: string) {
  return (await (await fetch(`${h.url}/api/stacks/${name}/details`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
}

/** The stack's details once it is stopped and no operation runs on it any more. */
export const stoppedNow = (h: Harness, name: string, token: string, timeoutMs: number) =>
  waitFor(
    () => details(h, name, token),
    (d) => d.state === "stopped" && d.runningOperation === null,
    `${name} stopped`,
    timeoutMs,
  );
