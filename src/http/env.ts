import type { Logger } from "../log.ts";
import type { Person } from "../stacks/owners/person.ts";

/** What handlers log with: every line carries the request id. */
export interface RequestLog {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
}

/** A child logger costs a few microseconds; only requests that log something pay for it. */
export function lazyChild(log: Logger, bindings: Record<string, string>): RequestLog {
  let child: Logger | undefined;
  const get = () => (child ??= log.child(bindings));
  return {
    debug: (fields, msg) => get().debug(fields, msg),
    info: (fields, msg) => get().info(fields, msg),
    warn: (fields, msg) => get().warn(fields, msg),
    error: (fields, msg) => get().error(fields, msg),
  };
}

/** Per-request values set by middleware and read by handlers. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: RequestLog;
    /** The client's address, once clientOf (client-address.ts) has looked it up. */
    client?: string;
    /** TRUST_PROXY, for clientOf. */
    proxyHops: number;
    /** RATE_LIMIT_IPV6_PREFIX, for budgetKey. */
    ipv6Prefix: number;
    /** AUTH_MODE=oidc (src/http/session.ts): the signed-in person, their session cookie, or a session that ended. */
    person?: Person;
    sessionId?: string;
    sessionExpired?: boolean;
  };
};
