import type { DokployClient } from "../../dokploy/client.ts";
import type { Logger } from "../../log.ts";
import type { Store } from "../../store/index.ts";
import { z } from "zod";
import { checkName, nameProblem } from "../model/names.ts";
import { nameCandidates } from "../model/name-suggestions.ts";
import { ForeignDomains } from "./foreign-domains.ts";
import { stackNameOfProject, stackUrl } from "../model/resource-plan.ts";

export const unavailable = z.enum([...nameProblem.options, "taken", "recently_deleted"]);
export type Unavailable = z.infer<typeof unavailable>;

/** GET /api/check/:name's verdict. */
export const availability = z.object({
  name: z.string(),
  valid: z.boolean(),
  available: z.boolean(),
  reason: unavailable.nullable(),
  url: z.string(),
  /** A taken or invalid name: up to two free names alike (`alice-2`, `my-stack`); empty otherwise. */
  suggestions: z.array(z.string()),
});
export type Availability = z.infer<typeof availability>;

export interface AvailabilityOptions {
  prefix: string;
  suffix: string;
  reserved: readonly string[];
  quarantineDays: number;
  cacheTtlMs: number;
}

/**
 * Whether a name can be deployed: not live or quarantined in the store, and not held in
 * Dokploy by a project of the portal's naming or a foreign application's domain. Dokploy is
 * asked for its project list at most once per TTL, by one request at a time (single
 * flight), and a stale list is served while a fresh one loads, so a check costs no Dokploy
 * round trip however many stacks exist.
 */
export class AvailabilityIndex {
  private names: Set<string> | null = null;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly foreign: ForeignDomains;

  constructor(
    private readonly store: Store,
    private readonly client: DokployClient,
    private readonly opts: AvailabilityOptions,
    private readonly log: Logger,
  ) {
    this.foreign = new ForeignDomains(client, opts.suffix, 10 * 60_000, log);
  }

  /** `quarantineToken` says whether the asker may take back a quarantined name (its token hash, its owner). */
  async check(
    raw: string,
    opts: { quarantineToken?: (hash: string, owner: { issuer: string; subject: string } | null) => boolean } = {},
  ): Promise<Availability> {
    const verdict = checkName(raw, this.opts.reserved);
    // An invalid name is echoed only in part: it is user input, possibly huge.
    const shown = verdict.valid ? verdict.name : verdict.name.slice(0, 64);
    const url = stackUrl(shown, this.opts.suffix);
    const answer = async (reason: Unavailable | null): Promise<Availability> => ({
      name: shown,
      valid: verdict.valid,
      available: reason === null,
      reason,
      url,
      // Too short is what every name is while it is typed: nothing to suggest yet.
      suggestions:
        reason === null || reason === "too_short"
          ? []
          : await this.free(nameCandidates(verdict.valid ? verdict.name : raw.slice(0, 256), reason, this.opts.reserved)),
    });
    if (!verdict.valid) return answer(verdict.reason);
    const name = verdict.name;
    const holder = this.holderOf(name);
    if (holder?.live) return answer("taken");
    if (holder && !opts.quarantineToken?.(holder.tokenHash, holder.owner)) return answer("recently_deleted");
    return answer((await this.heldInDokploy(name)) ? "taken" : null);
  }

  /** A live stack is always newer than any deleted one of the same name. */
  private holderOf(name: string) {
    const since = new Date(Date.now() - this.opts.quarantineDays * 86_400_000).toISOString();
    return this.store.stacks.holder(name, since);
  }

  /** A stack we deleted keeps no project, so any project of our naming not live here is foreign. */
  private async heldInDokploy(name: string): Promise<boolean> {
    const dokploy = await this.dokployNames();
    return Boolean(dokploy?.has(name) || this.foreign.has(`${name}.${this.opts.suffix}`));
  }

  /** The first two of `names` nobody holds (a held name is offered to nobody). */
  private async free(names: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const name of names) {
      if (found.length === 2) break;
      if (!this.holderOf(name) && !(await this.heldInDokploy(name))) found.push(name);
    }
    return found;
  }

  /** A stack of ours left Dokploy: stop reporting its name from the cached list. */
  forget(name: string): void {
    this.names?.delete(name);
  }

  private async dokployNames(): Promise<Set<string> | null> {
    const fresh = Date.now() - this.loadedAt < this.opts.cacheTtlMs;
    if (!fresh && !this.loading) this.loading = this.load().finally(() => (this.loading = null));
    // Only the very first check waits; later ones answer from the previous list.
    if (this.names === null && this.loading) await this.loading;
    return this.names;
  }

  private async load(): Promise<void> {
    try {
      const projects = await this.client.projectAll();
      const names = new Set<string>();
      const foreignApps: string[] = [];
      for (const p of projects) {
        const name = stackNameOfProject(p.name, this.opts.prefix);
        if (name) names.add(name);
        else for (const env of p.environments) for (const app of env.applications) foreignApps.push(app.applicationId);
      }
      this.names = names;
      this.loadedAt = Date.now();
      void this.foreign.update(foreignApps);
    } catch (err) {
      // Keep the last list; the store still answers for our own stacks.
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not refresh Dokploy's project list");
      this.loadedAt = Date.now() - this.opts.cacheTtlMs / 2;
    }
  }
}
