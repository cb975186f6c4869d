import { ConfigError, SECRET_VARIABLES, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startPortal } from "./portal.ts";

/** Entry point: configuration from the environment, the embedded sandbox when no Dokploy is set. */

let config;
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

let dokployUrl = config.DOKPLOY_URL;
let dokployApiKey = config.DOKPLOY_API_TOKEN;
let probeUrls: string | undefined;
let stopSandbox: (() => Promise<void>) | undefined;
if (!dokployUrl) {
  // Loaded only when needed: a production portal never runs sandbox code.
  const { startSandbox } = await import("./sandbox/index.ts");
  const apiKey = crypto.randomUUID();
  const sandbox = await startSandbox({
    apiKey,
    deployDurationMs: config.SANDBOX_DEPLOY_DURATION,
    stackStartMs: config.SANDBOX_STACK_START,
  });
  dokployUrl = sandbox.url;
  dokployApiKey = apiKey;
  // Stacks "run" inside the sandbox, which routes by Host header like Traefik.
  probeUrls = `${sandbox.url}/ {host}`;
  stopSandbox = sandbox.stop;
  log.warn({ sandbox: sandbox.url }, "DOKPLOY_URL is not set: using the embedded sandbox Dokploy (nothing real is deployed)");
}

const portal = await startPortal({
  config,
  log,
  mode: stopSandbox ? "sandbox" : "dokploy",
  dokployUrl,
  dokployApiKey: dokployApiKey!,
  probeUrls,
});
log.info({ url: portal.url, mode: stopSandbox ? "sandbox" : "dokploy" }, "AI Stack Deployer listening");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping; running deployments resume at the next start");
    await portal.stop();
    await stopSandbox?.();
    process.exit(0);
  });
}
