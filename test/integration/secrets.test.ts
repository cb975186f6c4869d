import { afterAll, beforeAll, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, SANDBOX_KEY, deploy, deployAndWait, readEvents, startHarness } from "../support/harness.ts";

/**
 * Known secret values (Dokploy key, admin token, registry password, each stack's password
 * and management token) appear in the deploy response that hands them out, and nowhere else:
 * not in events, snapshots, other responses, or the log.
 */

const REGISTRY_PASSWORD = "registry-password-7f3k2j1";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { STACK_REGISTRY_USERNAME: "robot", STACK_REGISTRY_PASSWORD: REGISTRY_PASSWORD, LOG_LEVEL: "debug" },
  });
});
afterAll(() => h.stop());

test("no secret leaks from a deploy, a failed deploy and a delete", async () => {
  const bodies: string[] = [];
  const ok = await deployAndWait(h, "secretive");
  // The registry password does reach Dokploy, where it belongs.
  const state = (await (await fetch(`${h.sandboxUrl}/__sandbox/state`)).json()) as any;
  expect(JSON.stringify(state)).toContain(REGISTRY_PASSWORD);
  await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ kind: "deploy_error" }) });
  const failed = await deployAndWait(h, "doomed");
  await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
  expect(failed.done.data.status).toBe("failed");

  for (const r of [ok, failed]) {
    bodies.push(JSON.stringify(r.events));
    bodies.push(await (await fetch(`${h.url}${r.statusUrl}`)).text());
    bodies.push(await (await fetch(`${h.url}/api/stacks/${r.name}`)).text());
  }
  bodies.push(await (await fetch(`${h.url}/health`)).text());
  bodies.push(await (await fetch(`${h.url}/api/stacks?all=true`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text());
  const del = (await (
    await fetch(`${h.url}/api/stack/secretive`, { method: "DELETE", headers: { authorization: `Bearer ${ok.managementToken}` } })
  ).json()) as any;
  bodies.push(JSON.stringify(del));
  bodies.push(JSON.stringify(await readEvents(`${h.url}${del.eventsUrl}`)));
  const refused = await deploy(h, "secretive");
  bodies.push(JSON.stringify(refused.body));

  const secrets = [
    SANDBOX_KEY,
    ADMIN_TOKEN,
    REGISTRY_PASSWORD,
    ok.managementToken,
    ok.credentials.password,
    failed.managementToken,
    failed.credentials.password,
  ];
  const everything = bodies.join("\n");
  const log = h.logs.join("");
  expect(log.length).toBeGreaterThan(1000);
  for (const secret of secrets) {
    expect(everything).not.toContain(secret);
    expect(log).not.toContain(secret);
  }
});
