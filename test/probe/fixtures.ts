/**
 * Real servers on 127.0.0.1 for the probe tests. Everything is created per test file and
 * torn down by the caller; nothing here touches the network beyond loopback.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const hasOpenssl = Bun.which("openssl") !== null;

export interface Certs {
  /** Self-signed, CN=localhost: what Traefik serves before Let's Encrypt issues. */
  selfSigned: { cert: string; key: string };
  /** Test CA, for the "would have been trusted" path. */
  ca: string;
  /** Signed by the CA, valid for 127.0.0.1 and localhost. */
  ipLeaf: { cert: string; key: string };
  /** Signed by the CA, valid only for alpha.test: trusted only if SNI/verification use the Host name. */
  alphaLeaf: { cert: string; key: string };
}

/** EC keys: much faster to generate than RSA, which keeps the suite quick. */
export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), "probe-certs-"));
  const run = (...args: string[]) => {
    const r = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe", stdout: "pipe" });
    if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    run("req", "-x509", ...ec, "-subj", "/CN=localhost", "-days", "1", "-keyout", "self.key", "-out", "self.pem");
    run(
      "req",
      "-x509",
      ...ec,
      "-subj",
      "/CN=Probe Test CA",
      "-days",
      "1",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    const leaf = (name: string, san: string) => {
      run("req", ...ec, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
      run(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.pem`,
      );
    };
    leaf("ip", "IP:127.0.0.1,DNS:localhost");
    leaf("alpha", "DNS:alpha.test");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      selfSigned: { cert: read("self.pem"), key: read("self.key") },
      ca: read("ca.pem"),
      ipLeaf: { cert: read("ip.pem"), key: read("ip.key") },
      alphaLeaf: { cert: read("alpha.pem"), key: read("alpha.key") },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface HttpFixture {
  url: string;
  port: number;
  /** Host header of every request, in order. */
  hosts: string[];
  /** Path of every request, in order. */
  paths: string[];
  stop(): void;
}

/**
 * Routes: /status/<n> answers n; /redirect answers 302 to /elsewhere (a hit there would
 * mean the redirect was followed); /only/<host> answers 200 for that Host, else 404 (how
 * Traefik routes); anything else is 200.
 */
export function startHttp(tls?: { cert: string; key: string }): HttpFixture {
  const hosts: string[] = [];
  const paths: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    fetch(req) {
      const { pathname } = new URL(req.url);
      hosts.push(req.headers.get("host") ?? "");
      paths.push(pathname);
      const status = /^\/status\/(\d{3})$/.exec(pathname);
      if (status) {
        const n = Number(status[1]);
        // 1xx/204/304 cannot carry a body.
        return new Response(n === 204 || n === 304 ? null : `status ${n}`, { status: n });
      }
      if (pathname === "/redirect") return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
      const only = /^\/only\/(.+)$/.exec(pathname);
      if (only) return new Response("routed", { status: req.headers.get("host") === only[1] ? 200 : 404 });
      return new Response("ok");
    },
  });
  const scheme = tls ? "https" : "http";
  return { url: `${scheme}://127.0.0.1:${server.port}`, port: server.port!, hosts, paths, stop: () => void server.stop(true) };
}

/** Answers 502 (as Traefik does while the container starts) for the first `failures` requests, then 200. */
export function startFlaky(failures: number): { url: string; requests: () => number; stop(): void } {
  let count = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      count++;
      return new Response(count <= failures ? "bad gateway" : "ok", { status: count <= failures ? 502 : 200 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, requests: () => count, stop: () => void server.stop(true) };
}

export interface RawFixture {
  url: string;
  stop(): void;
}

/** A TCP server that accepts and then either never answers ("hang") or resets on the first bytes ("reset"). */
export async function startRaw(mode: "hang" | "reset"): Promise<RawFixture> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (mode === "reset") socket.on("data", () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}/`,
    stop() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A port that was just bound and released, so connecting to it is refused. */
export { freePort as deadPort } from "../support/ports.ts";
