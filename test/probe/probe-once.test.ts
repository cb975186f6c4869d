import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { probeOnce } from "../../src/stacks/probe/probe-once.ts";
import { deadPort, hasOpenssl, makeCerts, startHttp, startRaw, type Certs, type HttpFixture, type RawFixture } from "./fixtures.ts";

const T = { timeoutMs: 2000 };

describe("probeOnce over http", () => {
  let http: HttpFixture;
  let hang: RawFixture;
  let reset: RawFixture;

  beforeAll(async () => {
    http = startHttp();
    hang = await startRaw("hang");
    reset = await startRaw("reset");
  });
  afterAll(() => {
    http.stop();
    hang.stop();
    reset.stop();
  });

  test("200 is up, with trusted undefined for http", async () => {
    const outcome = await probeOnce({ url: `${http.url}/` }, T);
    expect(outcome).toEqual({ up: true, status: 200 });
    expect("trusted" in outcome).toBe(false);
  });

  test("401 is up (basic auth on)", async () => {
    expect(await probeOnce({ url: `${http.url}/status/401` }, T)).toEqual({ up: true, status: 401 });
  });

  test.each([201, 204, 301, 304, 307, 308])("%d is up", async (status) => {
    expect(await probeOnce({ url: `${http.url}/status/${status}` }, T)).toEqual({ up: true, status });
  });

  test("302 is up and the redirect is not followed", async () => {
    const before = http.paths.length;
    expect(await probeOnce({ url: `${http.url}/redirect` }, T)).toEqual({ up: true, status: 302 });
    expect(http.paths.slice(before)).toEqual(["/redirect"]);
  });

  test.each([404, 502, 503, 504, 400, 403, 500])("%d is not yet", async (status) => {
    expect(await probeOnce({ url: `${http.url}/status/${status}` }, T)).toEqual({
      up: false,
      status,
      reason: `status_${status}`,
    });
  });

  test("connection refused is classified, not thrown", async () => {
    const outcome = await probeOnce({ url: `http://127.0.0.1:${deadPort()}/` }, T);
    expect(outcome).toMatchObject({ up: false, reason: "refused" });
    expect(outcome.up === false && outcome.status).toBeUndefined();
  });

  test("connection reset is classified", async () => {
    expect(await probeOnce({ url: reset.url }, T)).toMatchObject({ up: false, reason: "reset" });
  });

  test("DNS failure is classified", async () => {
    // A label over 63 characters cannot be a DNS name: getaddrinfo refuses it without
    // asking any resolver, so the test stays on this machine (strace shows no packet).
    expect(await probeOnce({ url: `http://${"a".repeat(64)}.invalid/` }, { timeoutMs: 5000 })).toMatchObject({
      up: false,
      reason: "dns",
    });
  });

  test("a server that never answers times out per attempt", async () => {
    const started = performance.now();
    expect(await probeOnce({ url: hang.url }, { timeoutMs: 150 })).toEqual({ up: false, reason: "timeout" });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("the outer signal aborts an attempt at once, reported as aborted rather than timeout", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = performance.now();
    expect(await probeOnce({ url: hang.url }, { timeoutMs: 5000, signal: ac.signal })).toEqual({
      up: false,
      reason: "aborted",
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("an already aborted signal sends nothing", async () => {
    const before = http.paths.length;
    expect(await probeOnce({ url: `${http.url}/` }, { timeoutMs: 1000, signal: AbortSignal.abort() })).toEqual({
      up: false,
      reason: "aborted",
    });
    expect(http.paths.length).toBe(before);
  });

  test("the Host header is really sent", async () => {
    const before = http.hosts.length;
    expect(await probeOnce({ url: `${http.url}/`, hostHeader: "alice.stacks.example:8443" }, T)).toMatchObject({ up: true });
    expect(http.hosts.slice(before)).toEqual(["alice.stacks.example:8443"]);
  });

  test("Host-routed server: right Host is up, wrong Host is 404", async () => {
    const url = `${http.url}/only/alice.stacks.example`;
    expect(await probeOnce({ url, hostHeader: "alice.stacks.example" }, T)).toEqual({ up: true, status: 200 });
    expect(await probeOnce({ url, hostHeader: "bob.stacks.example" }, T)).toMatchObject({ up: false, reason: "status_404" });
    expect(await probeOnce({ url }, T)).toMatchObject({ up: false, reason: "status_404" });
  });

  test("an invalid URL is an outcome, not an exception", async () => {
    expect(await probeOnce({ url: "not a url" }, T)).toMatchObject({ up: false, reason: "error" });
  });
});

describe.skipIf(!hasOpenssl)("probeOnce over https", () => {
  let certs: Certs;
  let selfSigned: HttpFixture;
  let caSigned: HttpFixture;
  let alpha: HttpFixture;
  let plain: HttpFixture;

  beforeAll(() => {
    certs = makeCerts();
    selfSigned = startHttp(certs.selfSigned);
    caSigned = startHttp(certs.ipLeaf);
    alpha = startHttp(certs.alphaLeaf);
    plain = startHttp();
  });
  afterAll(() => {
    for (const s of [selfSigned, caSigned, alpha, plain]) s?.stop();
  });

  test("self-signed certificate (Traefik default) is up with trusted:false", async () => {
    expect(await probeOnce({ url: `${selfSigned.url}/` }, T)).toEqual({ up: true, status: 200, trusted: false });
  });

  test("self-signed with a Host header is still up, and the Host is sent", async () => {
    const before = selfSigned.hosts.length;
    expect(await probeOnce({ url: `${selfSigned.url}/`, hostHeader: "alice.stacks.example" }, T)).toEqual({
      up: true,
      status: 200,
      trusted: false,
    });
    // Verified attempt fails in the handshake, so only the unverified retry reaches the server.
    expect(selfSigned.hosts.slice(before)).toEqual(["alice.stacks.example"]);
  });

  test("a status that is not up is reported through an untrusted certificate too", async () => {
    expect(await probeOnce({ url: `${selfSigned.url}/status/502` }, T)).toEqual({
      up: false,
      status: 502,
      reason: "status_502",
    });
  });

  test("certificate from an unknown CA is up with trusted:false", async () => {
    expect(await probeOnce({ url: `${caSigned.url}/status/401` }, T)).toEqual({ up: true, status: 401, trusted: false });
  });

  test("certificate from a trusted CA is up with trusted:true", async () => {
    expect(await probeOnce({ url: `${caSigned.url}/` }, { ...T, ca: certs.ca })).toEqual({
      up: true,
      status: 200,
      trusted: true,
    });
  });

  test("with a Host header, the certificate is checked against that name (SNI)", async () => {
    const url = `${alpha.url}/`;
    // The cert names only alpha.test, so it is trusted only if verification used the Host name.
    expect(await probeOnce({ url, hostHeader: "alpha.test" }, { ...T, ca: certs.ca })).toEqual({
      up: true,
      status: 200,
      trusted: true,
    });
    expect(await probeOnce({ url, hostHeader: "alpha.test:443" }, { ...T, ca: certs.ca })).toMatchObject({ trusted: true });
    // Without it the name is 127.0.0.1: a name mismatch, so up but not trusted.
    expect(await probeOnce({ url }, { ...T, ca: certs.ca })).toEqual({ up: true, status: 200, trusted: false });
    expect(await probeOnce({ url, hostHeader: "beta.test" }, { ...T, ca: certs.ca })).toEqual({
      up: true,
      status: 200,
      trusted: false,
    });
  });

  test("https to a plain HTTP port is a tls failure", async () => {
    expect(await probeOnce({ url: `https://127.0.0.1:${plain.port}/` }, T)).toMatchObject({ up: false, reason: "tls" });
  });

  test("https refused is refused, not tls", async () => {
    expect(await probeOnce({ url: `https://127.0.0.1:${deadPort()}/` }, T)).toMatchObject({ up: false, reason: "refused" });
  });
});
