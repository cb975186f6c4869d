/**
 * Parsing of the probe target spec (STACK_PROBE_URLS). Pure: it only turns text into
 * targets, so a bad spec can be rejected at startup rather than on the first deploy.
 */

export interface ProbeTarget {
  url: string;
  /**
   * Host header to send. Lets a probe reach a Host-routed proxy (Traefik, or the sandbox's
   * loopback router) through an address that is not the public name.
   */
  hostHeader?: string;
}

export interface ProbeTargetVars {
  host: string;
  appName: string;
  port: number;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;
// A Host header is host[:port]; anything else (paths, spaces, commas) is a spec mistake.
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

function fill(template: string, vars: ProbeTargetVars, entry: string): string {
  const values: Record<string, string> = { host: vars.host, appName: vars.appName, port: String(vars.port) };
  // One pass with a replacer function: values are never re-expanded and `$` in them is literal.
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`probe target "${entry}": unknown placeholder {${name}} (expected {host}, {appName} or {port})`);
    }
    return value;
  });
}

/**
 * Expand a comma-separated spec such as
 * `https://{host}/,http://{host}/,http://{appName}:{port}/` or `http://127.0.0.1:4010/ {host}`.
 * Each entry is a URL template, optionally followed by whitespace and a Host-header template.
 * Empty entries are skipped; an entry that does not expand to an http(s) URL throws.
 */
export function expandProbeTargets(spec: string, vars: ProbeTargetVars): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const raw of spec.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;

    const parts = entry.split(/\s+/);
    if (parts.length > 2) {
      throw new Error(`probe target "${entry}": expected "<url> [host-header]", got ${parts.length} words`);
    }
    const [urlTemplate = "", hostTemplate] = parts;

    const expanded = fill(urlTemplate, vars, entry);
    let url: URL;
    try {
      url = new URL(expanded);
    } catch {
      throw new Error(`probe target "${entry}": "${expanded}" is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`probe target "${entry}": "${expanded}" must be an http:// or https:// URL`);
    }
    if (url.hostname === "") {
      throw new Error(`probe target "${entry}": "${expanded}" has no host`);
    }

    const target: ProbeTarget = { url: url.href };
    if (hostTemplate !== undefined) {
      const hostHeader = fill(hostTemplate, vars, entry);
      if (!HOST_HEADER.test(hostHeader)) {
        throw new Error(`probe target "${entry}": Host header "${hostHeader}" is not a host[:port]`);
      }
      target.hostHeader = hostHeader;
    }
    targets.push(target);
  }
  return targets;
}

/**
 * The entries of a spec that do not name `{host}`: how a stack without a public domain (a
 * stack of the warm pool) is reached, e.g. `http://{appName}:{port}/` on Dokploy's network.
 */
export function withoutHost(spec: string): string {
  return entries(spec)
    .filter((entry) => !entry.includes("{host}"))
    .join(",");
}

/** The entries that reach the stack at its public address (`{host}`); all of them if none does. */
export function atHost(spec: string): string {
  const public_ = entries(spec).filter((entry) => entry.includes("{host}"));
  return public_.length ? public_.join(",") : spec;
}

const entries = (spec: string) => spec.split(",").filter((entry) => entry.trim() !== "");
