import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { InfoBody } from "../responses.ts";
import { route } from "../route.ts";

/**
 * GET /api/info: what the page tells people about the portal's rules and pace: how long a
 * deleted name is held for its owner, and how long a deploy usually takes here (the median
 * of the last successful ones; null while there are too few to say).
 */
export const INFO_ROUTES = [
  route({
    method: "get",
    path: "/api/info",
    tag: "public",
    access: "public",
    summary: "The portal's rules and pace: name quarantine, typical deploy time",
    answers: { 200: { description: "Info", schema: "Info" } },
    handler: (deps: { stacks: StackService; nameQuarantineDays: number }) => (c) => {
      const typical = deps.stacks.reads.typicalDeploy();
      c.header("Cache-Control", "no-store");
      return c.json({
        nameQuarantineDays: deps.nameQuarantineDays,
        typicalDeployMs: typical.ms,
        typicalDeploySamples: typical.samples,
      } satisfies InfoBody);
    },
  }),
];
