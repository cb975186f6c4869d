/**
 * The soak's users: each deploys random names, deletes stacks it owns (with the management
 * token it was given), and looks at statuses and event streams. A request that finds the
 * portal down (killed) is sent again, a deploy with the same Idempotency-Key.
 */
import type { Rng } from "../lib/rng.ts";

/** 5xx answers the portal gives on purpose (documented codes), not counted as unexpected. */
const EXPECTED_5XX = new Set(["capacity_reached"]);

export interface Tally {
  /** "<op> <status>" -> count; "<op> refused" for a portal that was down, "<op> timeout". */
  ops: Record<string, number>;
  unexpected5xx: { op: string; status: number; code: string | null; requestId: string | null }[];
  /** Every deployment id the portal accepted (deploys and deletes). */
  deployments: Set<string>;
}

export function newTally(): Tally {
  return { ops: {}, unexpected5xx: [], deployments: new Set() };
}

interface Owned {
  token: string;
  deploymentId: string;
}

interface Answer {
  status: number;
  body: any;
}

export class SoakClient {
  private readonly owned = new Map<string, Owned>();

  constructor(
    private readonly rng: Rng,
    private readonly portalUrl: () => string,
    private readonly names: readonly string[],
    private readonly tally: Tally,
    private readonly stopping: () => boolean,
  ) {}

  async run(): Promise<void> {
    while (!this.stopping()) {
      const roll = this.rng.next();
      if (roll < 0.5 || this.owned.size === 0) await this.deploy();
      else if (roll < 0.85) await this.remove();
      else if (roll < 0.95) await this.look();
      else await this.follow();
      await Bun.sleep(this.rng.int(50, 400));
    }
  }

  private async deploy(): Promise<void> {
    const name = this.rng.pick(this.names);
    const key = this.rng.uuid();
    const res = await this.send("deploy", "/api/deploy", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ name }),
    });
    if (res?.status === 202) {
      this.owned.set(name, { token: res.body.managementToken, deploymentId: res.body.deploymentId });
      this.tally.deployments.add(res.body.deploymentId);
    }
  }

  private async remove(): Promise<void> {
    const name = this.rng.pick([...this.owned.keys()].sort());
    const owned = this.owned.get(name);
    if (!owned) return;
    const res = await this.send("delete", `/api/stack/${name}`, { method: "DELETE", headers: { authorization: `Bearer ${owned.token}` } });
    if (!res) return;
    if (res.status === 202) this.tally.deployments.add(res.body.deploymentId);
    // Deleted, or no longer ours (our deploy failed and someone else took the name).
    if (res.status === 202 || res.status === 403 || res.status === 404) this.owned.delete(name);
  }

  private async look(): Promise<void> {
    const mine = [...this.owned.values()];
    if (mine.length && this.rng.next() < 0.5) await this.send("status", `/api/deployments/${this.rng.pick(mine).deploymentId}`, {});
    else await this.send("stack", `/api/stacks/${this.rng.pick(this.names)}`, {});
  }

  /** Follows one of its deployments' event stream for up to 3 s. */
  private async follow(): Promise<void> {
    const mine = [...this.owned.values()];
    if (!mine.length) return;
    const id = this.rng.pick(mine).deploymentId;
    try {
      const res = await fetch(`${this.portalUrl()}/api/deployments/${id}/events`, { signal: AbortSignal.timeout(3_000) });
      this.count(`events ${res.status}`);
      if (res.status >= 500) this.unexpected("events", res.status, null, res.headers.get("x-request-id"));
      await res.text();
    } catch {
      // The 3 s cut, or the portal was killed under the stream: both expected.
    }
  }

  /** One request, sent again while the portal is down; null when it never got an answer. */
  private async send(op: string, path: string, init: RequestInit): Promise<Answer | null> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${this.portalUrl()}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
      } catch (err) {
        const timeout = err instanceof Error && err.name === "TimeoutError";
        this.count(`${op} ${timeout ? "timeout" : "refused"}`);
        if (timeout || Date.now() > deadline || this.stopping()) return null;
        await Bun.sleep(250);
        continue;
      }
      const text = await res.text().catch(() => "");
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      this.count(`${op} ${res.status}`);
      const code: string | null = body?.error?.code ?? null;
      if (res.status >= 500 && !(code && EXPECTED_5XX.has(code))) this.unexpected(op, res.status, code, res.headers.get("x-request-id"));
      return { status: res.status, body };
    }
  }

  private count(key: string): void {
    this.tally.ops[key] = (this.tally.ops[key] ?? 0) + 1;
  }

  private unexpected(op: string, status: number, code: string | null, requestId: string | null): void {
    this.tally.unexpected5xx.push({ op, status, code, requestId });
  }
}
