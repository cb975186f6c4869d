import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { startPortal } from "../../src/portal.ts";

/**
 * Run as its own process (a fresh module cache): starts the portal from the environment as
 * main.ts does, requests each path given as an argument, and prints the modules loaded by then
 * as JSON (paths relative to the repository), so a test can tell what the start loads.
 */

const root = new URL("../../", import.meta.url).pathname;
const config = loadConfig();
const portal = await startPortal({
  config,
  log: createLogger({ level: "error", secrets: [] }),
  mode: "dokploy",
  dokployUrl: config.DOKPLOY_URL ?? "http://127.0.0.1:9",
  dokployApiKey: config.DOKPLOY_API_TOKEN ?? "unused",
  // Not while the paths are asked for, however slow the machine: what they load is the question.
  defaultMetricsAfterMs: 60_000,
});
const statuses: Record<string, number> = {};
for (const path of process.argv.slice(2)) {
  const res = await fetch(`${portal.url}${path}`);
  await res.arrayBuffer();
  statuses[path] = res.status;
}
const modules = Object.keys(require.cache).map((m) => (m.startsWith(root) ? m.slice(root.length) : m));
console.log(JSON.stringify({ statuses, modules }));
await portal.stop();
process.exit(0);
