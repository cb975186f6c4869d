import { Hono } from "hono";
import { TYPICAL_SAMPLE, typicalDuration } from "../../stacks/deploy/typical-duration.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import type { InfoBody } from "../responses.ts";

/**
 * GET /api/info: what the page tells people about the portal's rules and pace: how long a
 * deleted name is held for its owner, and how long a deploy usually takes here (the median
 * of the last successful ones; null while there are too few to say).
 */
export function infoRoutes(deps: { store: Store; nameQuarantineDays: number }) {
  return new Hono<AppEnv>().get("/api/info", (c) => {
    const durations = deps.store.stats.recentDeployDurations(TYPICAL_SAMPLE);
    c.header("Cache-Control", "no-store");
    return c.json({
      nameQuarantineDays: deps.nameQuarantineDays,
      typicalDeployMs: typicalDuration(durations),
      typicalDeploySamples: durations.length,
    } satisfies InfoBody);
  });
}
