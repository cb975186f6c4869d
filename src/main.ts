import { type Config, ConfigError, SECRET_VARIABLES, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startPortal } from "./portal.ts";
import { DataDirError } from "./store/data-dir.ts";
import { Store } from "./store/index.ts";

/** Entry point: configuration from the environment, the embedded sandbox when no Dokploy is set. */

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

const log = createLogger({ level: config.LOG_LEVEL, secrets: SECRET_VARIABLES.map((k) => config[k]) });

// The store before anything else (the embedded sandbox included): a DATA_DIR that cannot work
// stops the process with one line and exit code 2, like a configuration error.
let store: Store;
try {
  store = Store.open(config.DATA_DIR);
} catch (err) {
  if (err instanceof DataDirError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

/** Dokploy as configured, or the embedded sandbox when DOKPLOY_URL is unset. */
async function resolveDokploy(): Promise<{ url: string; apiKey: string; probeUrls?: string; stop?: () => Promise<void> }> {
  if (config.DOKPLOY_URL && config.DOKPLOY_API_TOKEN) return { url: config.DOKPLOY_URL, apiKey: config.DOKPLOY_API_TOKEN };
  // Loaded only when needed: a production portal never runs sandbox code.
  const { startSandbox, REAL_DOKPLOY_CAPACITY } = await import("./sandbox/index.ts");
  const apiKey = crypto.randomUUID();
  const sandbox = await startSandbox({
    apiKey,
    deployDurationMs: config.SANDBOX_DEPLOY_DURATION,
    stackStartMs: config.SANDBOX_STACK_START,
    // A stopped container takes a moment to go, and Dokploy's start and stop answer only
    // after Docker's CLI has watched the converged tasks for 5 s, as on a real server.
    stackStopMs: 500,
    scaleSettleMs: 5_000,
    runtime: config.SANDBOX_RUNTIME,
    // Dokploy's API serves about two calls at a time, as a real one on a small server does.
    ...REAL_DOKPLOY_CAPACITY,
    // The stack image's HEALTHCHECK interval; the portal switches it off for every stack.
    imageHealthCheckMs: 30_000,
  });
  log.warn(
    { sandbox: sandbox.url, unauthenticated: `${sandbox.url}/__sandbox/state` },
    "DOKPLOY_URL is not set: using the embedded sandbox Dokploy (nothing real is deployed, development only). " +
      "Its /__sandbox/state has no authentication and shows every stack's password to anyone who can reach it (loopback only)",
  );
  // Stacks "run" inside the sandbox, which routes by Host header like Traefik.
  // By appName too: a pooled stack has no domain until it is claimed.
  return { url: sandbox.url, apiKey, probeUrls: `${sandbox.url}/ {host},${sandbox.url}/ {appName}`, stop: sandbox.stop };
}

const dokploy = await resolveDokploy();
const mode = dokploy.stop ? "sandbox" : "dokploy";
const portal = await startPortal({
  config,
  log,
  store,
  mode,
  dokployUrl: dokploy.url,
  dokployApiKey: dokploy.apiKey,
  probeUrls: dokploy.probeUrls,
});
log.info({ url: portal.url, mode }, "AI Stack Deployer listening");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping; running deployments resume at the next start");
    await portal.stop();
    await dokploy.stop?.();
    process.exit(0);
  });
}
