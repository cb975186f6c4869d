/**
 * Cuts the part of Dokploy's OpenAPI document that the contract test needs out of the full
 * document a Dokploy server publishes, so the repository carries ~250 KB instead of 1.6 MB.
 *
 *   bun scripts/dokploy-openapi-subset.ts <full openapi.json> <version> [out]
 *
 * Whole procedure groups are kept (every `application.*`, `domain.*`, …), not only the calls
 * made today, so a new call in the client or the sandbox is checked without a refresh.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The routers the portal and its sandbox speak to, or are likely to next. */
export const GROUPS = [
  "application",
  "backup",
  "cluster",
  "deployment",
  "destination",
  "docker",
  "domain",
  "environment",
  "mounts",
  "port",
  "project",
  "settings",
  "swarm",
  "volumeBackups",
] as const;

interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, unknown>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

export function subset(full: OpenApiDocument, version: string): OpenApiDocument {
  const groups = new Set<string>(GROUPS);
  const paths = Object.fromEntries(
    Object.entries(full.paths)
      .filter(([path]) => groups.has(path.slice(1).split(".")[0] ?? ""))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    openapi: full.openapi,
    info: { ...full.info, "x-dokploy-version": version, "x-subset-of-groups": [...GROUPS] },
    servers: full.servers,
    security: full.security,
    paths,
    // Five shared error schemas and the API-key scheme: small, and referenced by every path.
    components: full.components,
  };
}

if (import.meta.main) {
  const [input, version, outArg] = process.argv.slice(2);
  if (!input || !version) {
    console.error("usage: bun scripts/dokploy-openapi-subset.ts <full openapi.json> <version, e.g. 0.30.2> [out]");
    process.exit(2);
  }
  const out = outArg ?? join(import.meta.dir, `../test/contract/dokploy-v${version}.openapi.json`);
  const doc = subset(JSON.parse(readFileSync(input, "utf8")) as OpenApiDocument, version);
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.error(`${Object.keys(doc.paths).length} procedures written to ${out}`);
}
