import { z } from "zod";
import type { DomainRow } from "../../dokploy/schemas.ts";
import type { Stack } from "../model/vocabulary.ts";
import { stackCredentials } from "../probe/opencode-api.ts";
import { type Person, sameOwner } from "../owners/person.ts";
import { shareKeys } from "../owners/shares.ts";
import { planStack } from "../model/resource-plan.ts";
import type { Ports } from "../runs/ports.ts";
import { SSO_MIDDLEWARE, withSsoMiddleware, withoutSsoMiddleware } from "./middleware-file.ts";

/**
 * STACK_SSO in Dokploy: the forwardAuth middleware in Traefik's global middlewares.yml, and
 * each stack's domain listing it. Switching on writes the file first and then the domains
 * (a router naming a middleware Traefik does not know is dropped); switching off goes the
 * other way round.
 */

export interface StackSsoOptions {
  on: boolean;
  address: string | null;
  /** Admins may open every stack (STACK_SSO_ADMINS). */
  admins: boolean;
}

/** What switching the gate on (or off) changed: Traefik's file, and each stack's domain. */
export const ssoApplyReport = z.object({
  file: z.enum(["written", "unchanged"]),
  domains: z.object({
    updated: z.array(z.string()),
    unchanged: z.number().int(),
    failed: z.array(z.object({ name: z.string(), error: z.string() })),
  }),
});
export type SsoApplyReport = z.infer<typeof ssoApplyReport>;

/** The middlewares a stack's domain should list, keeping any others an admin added. */
export function wantedMiddlewares(current: readonly string[] | null | undefined, on: boolean): string[] {
  const others = (current ?? []).filter((m) => m !== SSO_MIDDLEWARE && m !== `${SSO_MIDDLEWARE}@file`);
  return on ? [SSO_MIDDLEWARE, ...others] : others;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Brings one stack's domain in line (a redeploy does this); true when it changed. */
export async function syncStackDomain(
  deps: Pick<Ports, "client" | "store" | "config">,
  on: boolean,
  host: string,
  domains: readonly DomainRow[],
  signal?: AbortSignal,
): Promise<boolean> {
  const domain = domains.find((d) => d.host === host);
  if (!domain) return false;
  const wanted = wantedMiddlewares(domain.middlewares, on);
  if (same(wanted, domain.middlewares ?? [])) return false;
  await deps.client.domainUpdate({ domainId: domain.domainId, host: domain.host, middlewares: wanted }, signal);
  return true;
}

export class StackSso {
  /** Stack credentials read from Dokploy, reused briefly: every request through the gate needs them. */
  private readonly credentials = new Map<string, { at: number; value: Promise<{ username: string; password: string } | null> }>();

  constructor(
    private readonly deps: Pick<Ports, "client" | "store" | "config">,
    readonly opts: StackSsoOptions,
    private readonly credentialTtlMs = 10_000,
  ) {}

  get on(): boolean {
    return this.opts.on;
  }

  /** The live stack a host (with or without port) belongs to: `<name>.<suffix>` only. */
  stackAt(host: string): Stack | null {
    const hostname = host.replace(/:\d+$/, "").toLowerCase();
    const suffix = `.${this.deps.config.STACK_DOMAIN_SUFFIX.toLowerCase()}`;
    if (!hostname.endsWith(suffix)) return null;
    const name = hostname.slice(0, -suffix.length);
    return /^[a-z0-9-]+$/.test(name) ? this.deps.store.stacks.live(name) : null;
  }

  /**
   * Whether a signed-in person may open this stack through the gate: its owner, anyone it is
   * shared with (read on every request, so a removed share closes the door at once), an admin
   * with STACK_SSO_ADMINS.
   */
  mayOpen(stack: Stack, person: Person): boolean {
    if (person.admin && this.opts.admins) return true;
    if (stack.owner !== null && sameOwner(stack.owner, person)) return true;
    return this.deps.store.shares.roleOf(stack.id, shareKeys(person)) !== null;
  }

  /** The stack's OpenCode credentials, from Dokploy's environment of its application. */
  credentialsOf(stack: Stack): Promise<{ username: string; password: string } | null> {
    const applicationId = stack.applicationId;
    if (!applicationId) return Promise.resolve(null);
    const cached = this.credentials.get(applicationId);
    if (cached && Date.now() - cached.at < this.credentialTtlMs) return cached.value;
    const value = stackCredentials(this.deps, applicationId, AbortSignal.timeout(5_000)).catch(() => null);
    this.credentials.set(applicationId, { at: Date.now(), value });
    // A failure is not kept: the next request asks again.
    void value.then((v) => {
      if (v === null) this.credentials.delete(applicationId);
    });
    return value;
  }

  /** Forgets cached credentials (a new password was set). */
  forget(applicationId: string): void {
    this.credentials.delete(applicationId);
  }

  /** Makes the middleware file say what STACK_SSO says. */
  async syncFile(on = this.opts.on): Promise<"written" | "unchanged"> {
    const current = await this.deps.client.readMiddlewareFile();
    const next = on && this.opts.address ? withSsoMiddleware(current, this.opts.address) : current === null ? null : withoutSsoMiddleware(current);
    if (next === null || next === current) return "unchanged";
    // Dokploy refuses an empty file (min length 1); an empty YAML document is a comment.
    await this.deps.client.writeMiddlewareFile(next === "" ? "# no middlewares\n" : next);
    return "written";
  }

  /** Every live stack's domain lists the middleware (on) or no longer does (off). */
  async syncDomains(on = this.opts.on): Promise<SsoApplyReport["domains"]> {
    const report: SsoApplyReport["domains"] = { updated: [], unchanged: 0, failed: [] };
    for (const stack of this.deps.store.stacks.list()) {
      if (!stack.applicationId) continue;
      try {
        const app = await this.deps.client.applicationSettings(stack.applicationId);
        const host = planStack(stack, this.deps.config).host;
        if (await syncStackDomain(this.deps, on, host, app.domains)) report.updated.push(stack.name);
        else report.unchanged += 1;
      } catch (err) {
        report.failed.push({ name: stack.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return report;
  }

  /** The admin action: the file and every stack, in the safe order. */
  async apply(): Promise<SsoApplyReport> {
    if (this.opts.on) {
      const file = await this.syncFile(true);
      return { file, domains: await this.syncDomains(true) };
    }
    const domains = await this.syncDomains(false);
    // A domain that still names the middleware would lose its router: keep the file then.
    if (domains.failed.length) return { file: "unchanged", domains };
    return { file: await this.syncFile(false), domains };
  }

  /** At start: on, the file (stacks follow at redeploy or by the admin action); off, clean up what an earlier run left. */
  async atStart(): Promise<SsoApplyReport | "written" | "unchanged"> {
    if (this.opts.on) return this.syncFile(true);
    const current = await this.deps.client.readMiddlewareFile();
    if (current === null || withoutSsoMiddleware(current) === current) return "unchanged";
    return this.apply();
  }
}
