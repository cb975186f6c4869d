import type { DokployClient } from "../../dokploy/client.ts";
import type { Logger } from "../../log.ts";

/**
 * Hosts under the stack suffix that applications outside the portal's projects already
 * route (someone added `alice.<suffix>` by hand in Dokploy). Dokploy has no lookup by host,
 * so each foreign application's domains are read once, in the background, one call at a
 * time, and again after `refreshMs`. The portal's own applications are never read: their
 * host follows from the project name.
 */
export class ForeignDomains {
  private readonly byApp = new Map<string, { hosts: string[]; at: number }>();
  private hosts = new Set<string>();
  private running = false;

  constructor(
    private readonly client: DokployClient,
    private readonly suffix: string,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  has(host: string): boolean {
    return this.hosts.has(host);
  }

  /** Brings the index in line with the current foreign applications (without waiting). */
  update(applicationIds: string[]): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    return this.refresh(applicationIds).finally(() => (this.running = false));
  }

  private async refresh(applicationIds: string[]): Promise<void> {
    const current = new Set(applicationIds);
    for (const id of this.byApp.keys()) if (!current.has(id)) this.byApp.delete(id);
    const stale = applicationIds.filter((id) => Date.now() - (this.byApp.get(id)?.at ?? 0) > this.refreshMs);
    for (const applicationId of stale) {
      try {
        const domains = await this.client.domainsByApplication(applicationId);
        const hosts = domains.map((d) => d.host.toLowerCase()).filter((h) => h.endsWith(`.${this.suffix}`));
        this.byApp.set(applicationId, { hosts, at: Date.now() });
      } catch (err) {
        this.log.warn({ applicationId, err: err instanceof Error ? err.message : String(err) }, "could not read an application's domains");
        break;
      }
    }
    this.hosts = new Set([...this.byApp.values()].flatMap((e) => e.hosts));
  }
}
