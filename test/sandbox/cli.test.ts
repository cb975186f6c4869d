// The standalone entry: one stdout line, a working server, clean SIGTERM.
import { expect, test } from "bun:test";
import { join } from "node:path";

const CLI = join(import.meta.dir, "../../src/sandbox/cli.ts");

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0]!;
}

test("cli: prints the URL, serves the API with the given key, exits on SIGTERM", async () => {
  const proc = Bun.spawn([process.execPath, CLI, "--port", "0", "--api-key", "k1", "--deploy-ms", "5"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const line = await firstLine(proc.stdout);
  const m = /^sandbox dokploy listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  expect(m).not.toBeNull();
  const url = m![1]!;
  const res = await fetch(`${url}/api/settings.getDokployVersion`, { headers: { "x-api-key": "k1" } });
  expect(await res.json()).toBe("v0.30.2");
  expect((await fetch(`${url}/api/project.all`, { headers: { "x-api-key": "sandbox-key" } })).status).toBe(401);
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
});

test("cli: without --api-key the default key is used and announced on stderr", async () => {
  const proc = Bun.spawn([process.execPath, CLI], { stdout: "pipe", stderr: "pipe" });
  const line = await firstLine(proc.stdout);
  const url = line.replace("sandbox dokploy listening on ", "");
  expect((await fetch(`${url}/api/project.all`, { headers: { "x-api-key": "sandbox-key" } })).status).toBe(200);
  proc.kill("SIGINT");
  expect(await proc.exited).toBe(0);
  expect(await new Response(proc.stderr).text()).toContain('"sandbox-key"');
});
