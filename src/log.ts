import pino, { type Logger } from "pino";

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACT_KEYS = [
  "password",
  "token",
  "apiKey",
  "managementToken",
  "authorization",
  "x-api-key",
  "env",
  "DOKPLOY_API_TOKEN",
  "ADMIN_TOKEN",
  "STACK_REGISTRY_PASSWORD",
];

export interface LogOptions {
  level: string;
  /** Known secret values (API token, admin token...): scrubbed from every line as a last guard. */
  secrets?: (string | undefined)[];
  /** Where lines go; stdout by default. Tests pass a sink to inspect output. */
  destination?: { write(line: string): void };
}

export function createLogger(opts: LogOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 6);
  const out = opts.destination ?? process.stdout;
  const scrub = (line: string) => secrets.reduce((text, secret) => text.split(secret).join("[REDACTED]"), line);
  return pino(
    {
      level: opts.level,
      base: { service: "ai-stack-deployer" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`].map((p) => (k.includes("-") ? p.replace(k, `["${k}"]`) : p))),
        censor: "[REDACTED]",
      },
    },
    { write: (line: string) => out.write(scrub(line)) },
  );
}
