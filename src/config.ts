import { z } from "zod";
import { cpuCount, duration, integer, memorySize, optionalInteger, UNIT_MS } from "./config-units.ts";
import { withoutHost } from "./stacks/probe/targets.ts";
import { authVariables, checkAuthVariables } from "./auth/config.ts";
import { fleetVariables } from "./fleet-config.ts";
import { checkStackSsoVariables, stackSsoVariables } from "./auth/stack-sso-config.ts";
import { imageReference } from "./stacks/model/image-reference.ts";

/**
 * Every environment variable the portal reads, parsed once at start.
 * An invalid value stops the process with a message that names the variable and what
 * is expected; values of secret variables are never echoed.
 */

// A chat webhook's address is its credential (Slack's, Teams', Mattermost's carry the token in the path).
export const SECRET_VARIABLES = [
  "DOKPLOY_API_TOKEN",
  "STACK_REGISTRY_PASSWORD",
  "ADMIN_TOKEN",
  "METRICS_TOKEN",
  "OIDC_CLIENT_SECRET",
  "IDLE_WARNING_WEBHOOK",
] as const;

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/**
 * A bearer token or API key: whitespace is never part of one, and a pasted trailing space or
 * newline would otherwise start fine and then refuse every call. The value is never echoed.
 */
const token = (minLength: number) =>
  optionalText
    .refine((v) => v === undefined || !/\s/.test(v), "must not contain whitespace (look for a trailing space or newline)")
    .refine((v) => v === undefined || v.length >= minLength, `expected at least ${minLength} characters`);

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** "3/10m": at most 3 requests per 10 minutes per client; "off" disables the limit. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (value.trim() === "off") return null;
      const match = /^(\d+)\s*\/\s*(\d+)(ms|s|m|h)$/.exec(value.trim());
      if (!match || Number(match[1]) < 1) {
        ctx.addIssue({ code: "custom", message: 'expected "<count>/<window>" such as "3/10m", or "off"' });
        return z.NEVER;
      }
      return { limit: Number(match[1]), windowMs: Number(match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS] };
    });

/** Trusted proxies in front of the portal: false (0), true (1), or a number of hops. */
const proxyHops = z
  .string()
  .default("false")
  .transform((value, ctx) => {
    const v = value.trim().toLowerCase();
    if (["false", "no", "0", ""].includes(v)) return 0;
    if (v === "true" || v === "yes") return 1;
    if (/^[1-9]$/.test(v)) return Number(v);
    ctx.addIssue({ code: "custom", message: "expected true, false or a number of proxy hops from 1 to 9" });
    return z.NEVER;
  });

/** `workspace:/workspace` -> volume key `workspace` mounted at `/workspace`. */
const MOUNT = /^([a-z0-9][a-z0-9-]{0,30}):(\/[^\s,:]*)$/;
const mounts = z
  .string()
  .default("workspace:/workspace,data:/home/bun/.local/share/opencode")
  .transform((value, ctx) => {
    const entries = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const parsed: { key: string; mountPath: string }[] = [];
    for (const entry of entries) {
      const match = MOUNT.exec(entry);
      if (!match) {
        ctx.addIssue({
          code: "custom",
          message: `expected comma-separated key:/absolute/path entries (key of a-z, 0-9, -), got "${entry}"`,
        });
        return z.NEVER;
      }
      const [, key = "", mountPath = ""] = match;
      parsed.push({ key, mountPath });
    }
    const keys = new Set(parsed.map((m) => m.key));
    if (keys.size !== parsed.length) {
      ctx.addIssue({ code: "custom", message: "expected each volume key only once" });
      return z.NEVER;
    }
    return parsed;
  });

const url = z
  .string()
  .url("expected an http(s) URL")
  .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""))
  .optional();

export const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: integer(3000, 0, 65535),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATA_DIR: z.string().min(1).default("./data"),

    DOKPLOY_URL: url,
    DOKPLOY_API_TOKEN: token(1),
    DOKPLOY_TIMEOUT: duration("15s"),
    DOKPLOY_MAX_CONCURRENCY: integer(8, 1, 256),
    DOKPLOY_CIRCUIT_FAILURES: integer(5, 1, 1000),
    DOKPLOY_CIRCUIT_COOLDOWN: duration("30s"),

    STACK_DOMAIN_SUFFIX: z
      .string()
      .default("ai.flexinit.nl")
      .refine((v) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(v), "expected a domain name such as ai.example.com"),
    STACK_IMAGE: imageReference.default("git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free:latest"),
    STACK_PORT: integer(8080, 1, 65535),
    STACK_MOUNTS: mounts,
    STACK_PROJECT_PREFIX: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,15}$/, "expected a short prefix of a-z, 0-9 and -")
      .default("ai-stack-"),
    STACK_VOLUME_PREFIX: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,15}$/, "expected a short prefix of a-z, 0-9 and -")
      .default("portal-ai-"),
    STACK_REGISTRY_URL: optionalText,
    STACK_REGISTRY_USERNAME: optionalText,
    STACK_REGISTRY_PASSWORD: optionalText,
    STACK_CERTIFICATE_TYPE: z.enum(["letsencrypt", "none", "custom"]).default("letsencrypt"),
    STACK_CERT_RESOLVER: optionalText,
    // Per stack, so that one runaway agent cannot starve the host; applied at create and redeploy.
    STACK_MEMORY_LIMIT: memorySize("4g"),
    STACK_MEMORY_RESERVATION: memorySize("512m"),
    STACK_CPU_LIMIT: cpuCount("2"),
    STACK_CPU_RESERVATION: cpuCount("none"),
    STACK_PROBE_URLS: z.string().default("https://{host}/,http://{host}/,http://{appName}:{port}/"),

    RESERVED_NAMES: list("admin,api,www,root,system,test,demo,portal,deploy").transform((names) => names.map((n) => n.toLowerCase())),
    ADMIN_TOKEN: token(16),
    NAME_QUARANTINE_DAYS: integer(30, 0, 3650),

    DEPLOY_TIMEOUT: duration("10m"),
    HEALTH_TIMEOUT: duration("3m"),
    POLL_INTERVAL: duration("1s"),
    PROBE_INTERVAL: duration("500ms"),
    PROBE_ATTEMPT_TIMEOUT: duration("5s"),
    // Each refresh makes Dokploy list every project (megabytes at thousands of stacks), and
    // only foreign projects need it: the store answers for our own stacks at once.
    AVAILABILITY_CACHE_TTL: duration("30s"),

    SANDBOX_DEPLOY_DURATION: duration("3s"),
    SANDBOX_STACK_START: duration("2s"),
    // docker: the embedded sandbox runs each stack as a real Swarm service on the local engine.
    SANDBOX_RUNTIME: z.enum(["memory", "docker"]).default("memory"),
    TRUST_PROXY: proxyHops,
    BODY_TIMEOUT: duration("10s"),
    CORS_ORIGINS: list(""),
    METRICS_TOKEN: token(16),
    RATE_LIMIT_DEPLOY: rateLimit("3/10m"),
    RATE_LIMIT_DELETE: rateLimit("10/10m"),
    RATE_LIMIT_CHECK: rateLimit("60/1m"),
    RATE_LIMIT_AUTH: rateLimit("10/10m"),
    RATE_LIMIT_OPERATIONS: rateLimit("30/10m"),
    // An IPv6 client usually holds a whole /64: its budgets are its network's.
    RATE_LIMIT_IPV6_PREFIX: integer(64, 16, 128),
    MAX_STACKS: integer(200, 0, 1_000_000),
    MAX_CONCURRENT_DEPLOYS: integer(10, 1, 1000),
    RECONCILE_INTERVAL: duration("15m"),
    // The warm pool (src/stacks/pool/): ready stacks kept for new owners. Unset: 2 on the
    // embedded sandbox, off on a real Dokploy. POOL_MAX_AGE 0: never replaced for age.
    POOL_SIZE: optionalInteger(0, 1000),
    POOL_MAX_AGE: duration("24h"),
    // A stack with no OpenCode activity this long is stopped; its owner starts it again. 0: never.
    IDLE_STOP_AFTER: duration("4h"),
    IDLE_CHECK_INTERVAL: duration("5m"),
    // How long an owner may keep a stack awake at once (0: they cannot), and when they are told
    // an idle stop is coming: on the stack page, and with a POST to IDLE_WARNING_WEBHOOK if set.
    IDLE_KEEP_AWAKE_MAX: duration("8h"),
    IDLE_WARNING_BEFORE: duration("30m"),
    IDLE_WARNING_WEBHOOK: z
      .string()
      .url("expected an http(s) URL")
      .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL")
      .optional(),
    // Retention (src/stacks/upkeep/history-keeper.ts); 0 keeps that history for ever.
    HISTORY_RETENTION: duration("7d"),
    // The audit log answers "who did what" long after the fact: a year, what PCI DSS asks of audit trails.
    AUDIT_RETENTION: duration("365d"),
    RETENTION_INTERVAL: duration("1h"),
    // Sign-in (src/auth/config.ts).
    ...authVariables,
    // Nodes of a Swarm cluster, and workspace backups (src/fleet-config.ts).
    ...fleetVariables,
    ...stackSsoVariables,
  })
  .superRefine((c, ctx) => {
    checkAuthVariables(c, ctx);
    checkStackSsoVariables(c, ctx);
    if (c.NODE_ENV === "production") {
      if (!c.DOKPLOY_URL) ctx.addIssue({ code: "custom", path: ["DOKPLOY_URL"], message: "is required when NODE_ENV=production" });
      if (!c.DOKPLOY_API_TOKEN) ctx.addIssue({ code: "custom", path: ["DOKPLOY_API_TOKEN"], message: "is required when NODE_ENV=production" });
    }
    if (c.DOKPLOY_URL && !c.DOKPLOY_API_TOKEN)
      ctx.addIssue({ code: "custom", path: ["DOKPLOY_API_TOKEN"], message: "is required when DOKPLOY_URL is set" });
    if (c.STACK_CERTIFICATE_TYPE === "custom" && !c.STACK_CERT_RESOLVER)
      ctx.addIssue({ code: "custom", path: ["STACK_CERT_RESOLVER"], message: "is required when STACK_CERTIFICATE_TYPE=custom" });
    if (c.STACK_MEMORY_LIMIT !== null && c.STACK_MEMORY_RESERVATION !== null && c.STACK_MEMORY_RESERVATION > c.STACK_MEMORY_LIMIT)
      ctx.addIssue({ code: "custom", path: ["STACK_MEMORY_RESERVATION"], message: "cannot be more than STACK_MEMORY_LIMIT" });
    if (c.STACK_CPU_LIMIT !== null && c.STACK_CPU_RESERVATION !== null && c.STACK_CPU_RESERVATION > c.STACK_CPU_LIMIT)
      ctx.addIssue({ code: "custom", path: ["STACK_CPU_RESERVATION"], message: "cannot be more than STACK_CPU_LIMIT" });
    if (c.POOL_SIZE && !withoutHost(c.STACK_PROBE_URLS))
      ctx.addIssue({
        code: "custom",
        path: ["POOL_SIZE"],
        message:
          "needs a STACK_PROBE_URLS entry without {host}, such as http://{appName}:{port}/: a pooled stack has no public address until it is claimed",
      });
    if (Boolean(c.STACK_REGISTRY_USERNAME) !== Boolean(c.STACK_REGISTRY_PASSWORD))
      ctx.addIssue({
        code: "custom",
        path: ["STACK_REGISTRY_USERNAME"],
        message: "and STACK_REGISTRY_PASSWORD must be set together",
      });
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError listing every problem, without secret values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    // An empty variable means "not set", so defaults apply (Dokploy's UI writes KEY= lines).
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "configuration");
      return `${variable}: ${issue.message}`;
    }),
  );
}
