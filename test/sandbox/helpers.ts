// Shared helpers: a sandbox on an ephemeral loopback port and thin HTTP
// wrappers. Everything goes over real HTTP.
import { startSandbox, type StartedSandbox } from "../../src/sandbox/index.ts";

export const KEY = "sandbox-test-key";

export interface Client {
  url: string;
  started: StartedSandbox;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST and parse JSON, failing the test on a non-2xx answer. */
  call<T = any>(proc: string, body?: unknown): Promise<T>;
  /** GET and parse JSON, failing on non-2xx. */
  q<T = any>(proc: string, params?: Record<string, string | number>): Promise<T>;
  control(path: string, method?: string, body?: unknown): Promise<any>;
  state(): Promise<any>;
  stop(): Promise<void>;
}

export async function startClient(opts: Parameters<typeof startSandbox>[0] = { apiKey: KEY }): Promise<Client> {
  const started = await startSandbox({ port: 0, hostname: "127.0.0.1", deployDurationMs: 40, ...opts });
  const url = started.url;
  const auth = { "x-api-key": opts.apiKey };
  const client: Client = {
    url,
    started,
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers: { ...auth, ...headers } }),
    post: (path, body, headers = {}) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async call(proc, body = {}) {
      const res = await client.post(`/api/${proc}`, body);
      const text = await res.text();
      if (!res.ok) throw new Error(`${proc} -> ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async q(proc, params = {}) {
      const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
      const res = await client.get(`/api/${proc}${qs ? `?${qs}` : ""}`);
      const text = await res.text();
      if (!res.ok) throw new Error(`${proc} -> ${res.status} ${text}`);
      return JSON.parse(text);
    },
    async control(path, method = "POST", body) {
      const res = await fetch(`${url}/__sandbox/${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`control ${path} -> ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    state: () => client.control("state", "GET"),
    stop: () => started.stop(),
  };
  return client;
}

/** Polls until `check` returns a truthy value; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 2000, intervalMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("waitFor: timed out");
    await Bun.sleep(intervalMs);
  }
}

/** project.create + application.create (+ optional docker image). */
export async function makeApp(c: Client, opts: { name?: string; appName?: string; image?: string | null; env?: string } = {}) {
  const { project, environment } = await c.call("project.create", { name: `p-${opts.name ?? "app"}` });
  const app = await c.call("application.create", {
    name: opts.name ?? "app",
    appName: opts.appName ?? opts.name ?? "app",
    environmentId: environment.environmentId,
  });
  if (opts.image !== undefined) {
    await c.call("application.saveDockerProvider", {
      applicationId: app.applicationId,
      dockerImage: opts.image,
      username: null,
      password: null,
      registryUrl: null,
    });
  }
  if (opts.env !== undefined) {
    await c.call("application.saveEnvironment", {
      applicationId: app.applicationId,
      env: opts.env,
      buildArgs: null,
      buildSecrets: null,
      createEnvFile: true,
    });
  }
  return { project, environment, app };
}

export async function deployments(c: Client, applicationId: string): Promise<any[]> {
  return c.q("deployment.all", { applicationId });
}

/** Deploys and waits for the new deployment to reach a final status. */
export async function deployAndWait(c: Client, applicationId: string, timeoutMs = 2000): Promise<any> {
  const before = (await deployments(c, applicationId))[0]?.deploymentId;
  const res = await c.post("/api/application.deploy", { applicationId });
  if (res.status !== 200) throw new Error(`deploy -> ${res.status} ${await res.text()}`);
  return waitFor(async () => {
    const latest = (await deployments(c, applicationId))[0];
    return latest && latest.deploymentId !== before && latest.status !== "running" ? latest : undefined;
  }, timeoutMs);
}
