import { z } from "zod";
import type { DokployClient } from "./client.ts";
import { DokployError } from "./errors.ts";
import type { CircuitStateName } from "./resilience.ts";

export const dokployHealth = z.object({
  status: z.enum(["up", "unreachable", "unauthorized", "timeout", "circuit_open", "error"]),
  latencyMs: z.number().nullable(),
  circuit: z.enum(["closed", "open", "half-open"] satisfies CircuitStateName[]),
  version: z.string().optional(),
  message: z.string().optional(),
});
export type DokployHealth = z.infer<typeof dokployHealth>;

/**
 * Dokploy's health as /health reports it. Answers within `budgetMs` even while Dokploy
 * hangs, and shares one check among concurrent callers for `cacheMs`.
 */
export class DokployHealthCheck {
  private last: { at: number; value: Omit<DokployHealth, "circuit"> } | null = null;
  private pending: Promise<Omit<DokployHealth, "circuit">> | null = null;

  constructor(
    private readonly client: DokployClient,
    private readonly opts: { budgetMs: number; cacheMs: number },
  ) {}

  async check(): Promise<DokployHealth> {
    const circuit = this.client.resilience.circuit;
    if (this.last && Date.now() - this.last.at < this.opts.cacheMs) return { ...this.last.value, circuit };
    this.pending ??= this.measure().finally(() => (this.pending = null));
    const timeout = new Promise<Omit<DokployHealth, "circuit">>((resolve) =>
      setTimeout(() => resolve({ status: "timeout", latencyMs: null, message: `no answer within ${this.opts.budgetMs} ms` }), this.opts.budgetMs),
    );
    return { ...(await Promise.race([this.pending, timeout])), circuit: this.client.resilience.circuit };
  }

  private async measure(): Promise<Omit<DokployHealth, "circuit">> {
    const started = performance.now();
    let value: Omit<DokployHealth, "circuit">;
    try {
      const version = await this.client.version();
      value = { status: "up", latencyMs: Math.round(performance.now() - started), version };
    } catch (err) {
      const latencyMs = Math.round(performance.now() - started);
      if (!(err instanceof DokployError)) value = { status: "error", latencyMs, message: "unexpected error" };
      else if (err.failure === "unauthorized") value = { status: "unauthorized", latencyMs, message: "Dokploy rejected the API key" };
      else if (err.failure === "circuit_open") value = { status: "circuit_open", latencyMs: null, message: err.message };
      else if (err.failure === "timeout") value = { status: "timeout", latencyMs: null, message: err.message };
      else if (err.failure === "unavailable") value = { status: "unreachable", latencyMs, message: err.message };
      else value = { status: "error", latencyMs, message: err.message };
    }
    this.last = { at: Date.now(), value };
    return value;
  }
}
