// Fault injection (sandbox-only, not Dokploy). Request faults act on /api calls
// before Dokploy sees them, as a proxy or a sick server would; deploy faults
// change what the build worker does with a job.
import { z } from "zod";
import { nanoid } from "./ids.ts";

export const REQUEST_FAULT_KINDS = ["status", "drop", "hang", "latency"] as const;
export const DEPLOY_FAULT_KINDS = [
  "deploy_error",
  "deploy_never_picked",
  "deploy_cancelled",
  "stack_never_ready",
  // A volume backup run fails (`match`: substring of the backup's name or volume name).
  "backup_error",
] as const;

export const faultInputSchema = z
  .object({
    /** Procedure path like "project.create" (case-insensitive), or "*" for every procedure. Request faults only. */
    procedure: z.string().min(1).optional(),
    kind: z.enum([...REQUEST_FAULT_KINDS, ...DEPLOY_FAULT_KINDS]),
    /** HTTP status for kind "status". */
    status: z.number().int().min(100).max(599).optional(),
    message: z.string().optional(),
    /** Extra delay for kind "latency". */
    ms: z.number().min(0).optional(),
    /** How many times the fault fires; omitted = always. */
    times: z.number().int().min(1).optional(),
    /** Request faults: substring of the raw body or query string. Deploy faults: substring of the app's name or appName. */
    match: z.string().optional(),
    /** Deploy faults only: fire only when the deployed image contains this (a bad image for one stack, not the old one). */
    image: z.string().min(1).optional(),
    /** status 401 only: answer with the outer wrapper's `{"message":"Unauthorized"}` instead of the tRPC shape. */
    authShape: z.boolean().optional(),
    /** Answer with a plain-text body (what a proxy in front of Dokploy would send, e.g. 502 "Bad Gateway"). */
    plain: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    const isRequest = (REQUEST_FAULT_KINDS as readonly string[]).includes(f.kind);
    if (isRequest && !f.procedure) ctx.addIssue({ code: "custom", path: ["procedure"], message: 'request faults need a procedure (or "*")' });
    if (f.kind === "status" && f.status === undefined) ctx.addIssue({ code: "custom", path: ["status"], message: 'kind "status" needs a status' });
    if (f.kind === "latency" && f.ms === undefined) ctx.addIssue({ code: "custom", path: ["ms"], message: 'kind "latency" needs ms' });
  });

export type FaultInput = z.input<typeof faultInputSchema>;
export type FaultKind = FaultInput["kind"];
export type DeployFaultKind = (typeof DEPLOY_FAULT_KINDS)[number];

export interface Fault extends z.output<typeof faultInputSchema> {
  id: string;
  /** Firings left; null = unlimited. */
  remaining: number | null;
  hits: number;
}

export interface RequestFaultPlan {
  /** Sum of all matching latency faults. */
  extraLatencyMs: number;
  /** The first matching status/drop/hang fault, if any. */
  terminal: Fault | null;
}

export class FaultRegistry {
  private faults: Fault[] = [];

  add(input: FaultInput): Fault {
    const parsed = faultInputSchema.parse(input);
    const fault: Fault = { ...parsed, id: nanoid(), remaining: parsed.times ?? null, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Latency faults stack; the first terminal fault wins. Each fault that fires uses up one of its `times`. */
  planRequest(procedure: string, rawBody: string, rawQuery: string): RequestFaultPlan {
    const plan: RequestFaultPlan = { extraLatencyMs: 0, terminal: null };
    const proc = procedure.toLowerCase();
    for (const f of this.faults) {
      if (!(REQUEST_FAULT_KINDS as readonly string[]).includes(f.kind)) continue;
      if (f.remaining === 0) continue;
      if (f.procedure !== "*" && f.procedure?.toLowerCase() !== proc) continue;
      if (f.match !== undefined && !rawBody.includes(f.match) && !rawQuery.includes(f.match)) continue;
      if (f.kind === "latency") {
        plan.extraLatencyMs += f.ms ?? 0;
        this.consume(f);
      } else if (!plan.terminal) {
        plan.terminal = f;
        this.consume(f);
      }
    }
    return plan;
  }

  takeDeployFault(kind: DeployFaultKind, app: { name: string; appName: string; dockerImage?: string | null }): Fault | null {
    for (const f of this.faults) {
      if (f.kind !== kind || f.remaining === 0) continue;
      if (f.match !== undefined && !app.name.includes(f.match) && !app.appName.includes(f.match)) continue;
      if (f.image !== undefined && !(app.dockerImage ?? "").includes(f.image)) continue;
      this.consume(f);
      return f;
    }
    return null;
  }

  private consume(f: Fault): void {
    f.hits += 1;
    if (f.remaining !== null) f.remaining -= 1;
  }
}
