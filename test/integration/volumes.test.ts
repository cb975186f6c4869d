import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deploy, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/** A name's later owner never mounts an earlier owner's volumes; an owner with their token gets theirs back. */

const MOUNTS = "workspace:/workspace,data:/home/bun/.local/share/opencode";

async function deployed(h: Harness, name: string, token?: string): Promise<{ token: string; volumes: string[] }> {
  const res = await deploy(h, name, token ? { authorization: `Bearer ${token}` } : {});
  expect(res.status).toBe(202);
  const events = await readEvents(`${h.url}${res.body.eventsUrl}`);
  expect(events.at(-1)!.data.status).toBe("ready");
  const state = await sandboxState(h);
  const service = state.runningServices.find((s: any) => s.hosts.includes(`${name}.stacks.test`));
  return { token: res.body.managementToken, volumes: [...service.volumes].sort() };
}

async function deleted(h: Harness, name: string, token: string): Promise<void> {
  const res = await fetch(`${h.url}/api/stack/${name}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
  expect(events.at(-1)!.data.status).toBe("deleted");
}

describe("volume generations, without quarantine", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NAME_QUARANTINE_DAYS: "0", STACK_MOUNTS: MOUNTS } });
  });
  afterAll(() => h.stop());

  test("first owner: the strategy's names; a stranger after them: names never used, for every mount", async () => {
    const first = await deployed(h, "volreuse");
    expect(first.volumes).toEqual(["portal-ai-data-volreuse", "portal-ai-workspace-volreuse"]);
    await deleted(h, "volreuse", first.token);

    const usedBefore = new Set((await sandboxState(h)).volumes as string[]);
    const stranger = await deployed(h, "volreuse");
    expect(stranger.volumes).toHaveLength(2);
    for (const v of stranger.volumes) expect(usedBefore.has(v)).toBe(false);
    expect(stranger.volumes).toEqual(["portal-ai-data-volreuse_g1", "portal-ai-workspace-volreuse_g1"]);
    await deleted(h, "volreuse", stranger.token);

    // The first owner comes back with their management token: their own files.
    const back = await deployed(h, "volreuse", first.token);
    expect(back.volumes).toEqual(first.volumes);
    await deleted(h, "volreuse", back.token);

    // A token that is not theirs (or any bearer at all) is a stranger again: new volumes.
    const guessed = await deployed(h, "volreuse", "mt_not-a-token-of-this-name");
    const usedNow = new Set((await sandboxState(h)).volumes as string[]);
    expect(guessed.volumes).toEqual(["portal-ai-data-volreuse_g2", "portal-ai-workspace-volreuse_g2"]);
    await deleted(h, "volreuse", guessed.token);

    // The second owner, with their token, gets generation 1 back; each owner their own.
    const second = await deployed(h, "volreuse", stranger.token);
    expect(second.volumes).toEqual(stranger.volumes);
    expect(usedNow.size).toBe(6);
  });

  test("a redeploy (an upgrade) keeps the stack on its own generation's volumes", async () => {
    const live = (await (await fetch(`${h.url}/api/stacks?limit=1`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } })).json()) as any;
    expect(live.stacks[0].volumeGeneration).toBe(1);
    const owner = ((await sandboxState(h)).runningServices as any[]).find((s) => s.hosts.includes("volreuse.stacks.test"));
    const res = await fetch(`${h.url}/api/stacks/volreuse/redeploy`, { method: "POST", headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    const after = ((await sandboxState(h)).runningServices as any[]).find((s) => s.hosts.includes("volreuse.stacks.test"));
    expect([...after.volumes].sort()).toEqual([...owner.volumes].sort());
    expect([...after.volumes].sort()).toEqual(["portal-ai-data-volreuse_g1", "portal-ai-workspace-volreuse_g1"]);
  });

  test("the generation is recorded with the stack (admin list)", async () => {
    const res = await fetch(`${h.url}/api/stacks?all=true`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } });
    const rows = ((await res.json()) as any).stacks.filter((s: any) => s.name === "volreuse");
    expect(rows.map((s: any) => s.volumeGeneration)).toEqual([1, 2, 0, 1, 0]);
  });
});

describe("volume generations, with the quarantine", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { STACK_MOUNTS: MOUNTS } });
  });
  afterAll(() => h.stop());

  test("the owner reclaiming a held name gets their volumes back", async () => {
    const first = await deployed(h, "held");
    await deleted(h, "held", first.token);
    expect((await deploy(h, "held")).status).toBe(409);
    const back = await deployed(h, "held", first.token);
    expect(back.volumes).toEqual(["portal-ai-data-held", "portal-ai-workspace-held"]);
  });
});
