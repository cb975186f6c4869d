// The test-only control surface under /__sandbox/ (not part of Dokploy): no
// auth, JSON in and out. It drives the same methods as the TypeScript API.
import { z } from "zod";
import type { SandboxSettings } from "./context.ts";
import { jsonResponse } from "./errors.ts";
import type { Fault, FaultInput } from "./faults.ts";
import type { SandboxState } from "./state.ts";
import type { OpenCodeActivity } from "./stacks.ts";

export const settingsPatchSchema = z
  .object({
    latencyMs: z.number().min(0).optional(),
    deployDurationMs: z.number().min(0).optional(),
    buildConcurrency: z.number().int().min(1).optional(),
    stackStartMs: z.number().min(0).optional(),
    stackStopMs: z.number().min(0).optional(),
  })
  .strict();

/** The subset of the Sandbox the control routes need. */
export interface ControlTarget {
  state(): SandboxState;
  reset(): void;
  restart(): void;
  resetStats(): void;
  readonly settings: SandboxSettings;
  updateSettings(patch: Partial<SandboxSettings>): SandboxSettings;
  addFault(input: FaultInput): Fault;
  clearFaults(): void;
  listFaults(): Fault[];
  setOpenCodeActivity(appName: string, activity: OpenCodeActivity): void;
}

const activitySchema = z.object({
  sessions: z.array(z.object({ id: z.string(), time: z.object({ created: z.number(), updated: z.number() }) })).default([]),
  status: z.record(z.string(), z.object({ type: z.string() })).default({}),
});

export async function handleControl(target: ControlTarget, req: Request, url: URL): Promise<Response> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  try {
    const opencode = /^POST \/__sandbox\/opencode\/([A-Za-z0-9._-]+)$/.exec(route);
    if (opencode?.[1]) {
      // What the emulated OpenCode of that appName reports as its sessions and their status.
      target.setOpenCodeActivity(opencode[1], activitySchema.parse(await readJson(req)));
      return jsonResponse(200, { ok: true });
    }
    switch (route) {
      case "GET /__sandbox/state":
        return jsonResponse(200, target.state());
      case "POST /__sandbox/reset":
        target.reset();
        return jsonResponse(200, { ok: true });
      case "POST /__sandbox/restart":
        // Simulates a Dokploy restart: queued jobs are lost, running deployments become cancelled.
        target.restart();
        return jsonResponse(200, { ok: true });
      case "POST /__sandbox/stats/reset":
        target.resetStats();
        return jsonResponse(200, { ok: true });
      case "GET /__sandbox/settings":
        return jsonResponse(200, { ...target.settings });
      case "POST /__sandbox/settings":
        return jsonResponse(200, target.updateSettings(settingsPatchSchema.parse(await readJson(req))));
      case "GET /__sandbox/faults":
        return jsonResponse(200, target.listFaults());
      case "POST /__sandbox/faults":
        return jsonResponse(200, target.addFault((await readJson(req)) as FaultInput));
      case "DELETE /__sandbox/faults":
        target.clearFaults();
        return jsonResponse(200, { ok: true });
      default:
        return jsonResponse(404, { error: `unknown sandbox control route: ${route}` });
    }
  } catch (err) {
    if (err instanceof z.ZodError) return jsonResponse(400, { error: "invalid input", issues: err.issues });
    if (err instanceof SyntaxError) return jsonResponse(400, { error: "invalid JSON" });
    throw err;
  }
}

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  return text.trim() ? JSON.parse(text) : {};
}
