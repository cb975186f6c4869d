import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * Issue 26, part 4, over HTTP against the sandbox Dokploy: the owner's model provider keys go to
 * Dokploy's environment of their stack's application and nowhere else, are never shown again
 * (only their last four characters), survive a new password and a redeploy, and go with the
 * stack.
 */

const KEY = "sk-ant-api03-Secret0Key1Value2ForTests-7q9Z";
const OTHER = "sk-or-v1-AnotherSecretKeyValue-K3y5";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const appOf = async (name: string) => (await sandboxState(h)).applications.find((a: any) => a.name === `ai-stack-${name}`);

async function setKeys(name: string, token: string, keys: unknown) {
  const res = await fetch(`${h.url}/api/stacks/${name}/keys`, {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify({ keys }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function operate(name: string, token: string, what: "password" | "redeploy") {
  const res = await fetch(`${h.url}/api/stacks/${name}/${what}`, { method: "POST", headers: bearer(token) });
  const body = (await res.json()) as any;
  return { body, events: await readEvents(`${h.url}${body.eventsUrl}`) };
}

describe("the owner's model keys", () => {
  test("set, shown by their last four only, kept through a new password and a redeploy, removed; nothing of them anywhere else", async () => {
    const stack = await deployAndWait(h, "keyed");
    const keysOf = async () => (await (await fetch(`${h.url}/api/stacks/keyed/keys`, { headers: bearer(stack.managementToken) })).json()) as any;
    expect((await keysOf()).providers.every((p: any) => !p.set && p.last4 === null)).toBe(true);

    const accepted = await setKeys("keyed", stack.managementToken, { anthropic: KEY, openrouter: OTHER });
    expect(accepted.status).toBe(202);
    expect(accepted.body.operation).toBe("keys");
    const events = await readEvents(`${h.url}${accepted.body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    const setStep = events.find((e) => e.event === "step" && e.data.step === "set_keys" && e.data.state === "succeeded");
    expect(setStep?.data.message).toBe("Keys: set Anthropic, OpenRouter");

    // In Dokploy's environment, beside the stack's own lines, and deployed.
    const env = (await appOf("keyed")).env as string;
    expect(env).toContain(`ANTHROPIC_API_KEY=${KEY}`);
    expect(env).toContain(`OPENROUTER_API_KEY=${OTHER}`);
    expect(env).toContain(`OPENCODE_SERVER_PASSWORD=${stack.credentials.password}`);
    const shown = await keysOf();
    expect(shown.providers.find((p: any) => p.id === "anthropic")).toEqual({
      id: "anthropic",
      name: "Anthropic",
      envVar: "ANTHROPIC_API_KEY",
      set: true,
      last4: "-7q9Z".slice(-4),
    });
    expect(shown.providers.find((p: any) => p.id === "openrouter")).toMatchObject({ set: true, last4: "K3y5" });

    // A new password and a redeploy rewrite the stack's lines: the keys stay.
    const password = await operate("keyed", stack.managementToken, "password");
    expect(password.events.at(-1)!.data.status).toBe("ready");
    await operate("keyed", stack.managementToken, "redeploy");
    const after = (await appOf("keyed")).env as string;
    expect(after).toContain(`ANTHROPIC_API_KEY=${KEY}`);
    expect(after).toContain(`OPENCODE_SERVER_PASSWORD=${password.body.credentials.password}`);

    // Replaced and removed.
    const removed = await setKeys("keyed", stack.managementToken, { anthropic: null, openrouter: `${OTHER}-new` });
    expect((await readEvents(`${h.url}${removed.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    const last = (await appOf("keyed")).env as string;
    expect(last).not.toContain("ANTHROPIC_API_KEY");
    expect(last).toContain(`OPENROUTER_API_KEY=${OTHER}-new`);

    // Nowhere else: not in the answers, the events, the audit log, the metrics, the details, the logs or the portal's log.
    const details = await (await fetch(`${h.url}/api/stacks/keyed/details`, { headers: bearer(stack.managementToken) })).text();
    const logs = await (await fetch(`${h.url}/api/stacks/keyed/logs`, { headers: bearer(stack.managementToken) })).text();
    const audit = await (await fetch(`${h.url}/api/admin/audit?limit=100`, { headers: bearer(ADMIN_TOKEN) })).text();
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const allEvents = JSON.stringify([...events, ...(await readEvents(`${h.url}${removed.body.eventsUrl}`))]);
    const everything = [
      JSON.stringify(accepted.body),
      JSON.stringify(await keysOf()),
      allEvents,
      details,
      logs,
      audit,
      metrics,
      h.logs.join("\n"),
    ].join("\n");
    for (const secret of [KEY, OTHER, KEY.slice(0, 20), OTHER.slice(0, 16)]) expect(everything).not.toContain(secret);
    // The audit says which providers, and nothing more.
    const entry = JSON.parse(audit).entries.find((e: any) => e.action === "keys");
    expect(entry.detail).toEqual({ set: ["openrouter"], removed: ["anthropic"] });

    // Gone with the stack: its application, and with it its environment.
    const del = await fetch(`${h.url}/api/stacks/keyed`, { method: "DELETE", headers: bearer(stack.managementToken) });
    await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
    expect(JSON.stringify((await sandboxState(h)).applications)).not.toContain(OTHER);
  });

  test("bad requests are refused before anything changes", async () => {
    const stack = await deployAndWait(h, "keybad");
    expect((await setKeys("keybad", "mt_wrong-token-0123456789abcdefghijklmnopq", { anthropic: KEY })).status).toBe(403);
    for (const keys of [
      {},
      { nope: KEY },
      { anthropic: "short" },
      { anthropic: "sk key with spaces 123" },
      { anthropic: "sk-${{project.X}}-123" },
      { anthropic: 'sk-"quoted"-1234' },
    ]) {
      const res = await setKeys("keybad", stack.managementToken, keys);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    expect((await appOf("keybad")).env).not.toContain("API_KEY");
  });
});

describe("the model per agent", () => {
  const post = async (token: string, body: unknown) => {
    const res = await fetch(`${h.url}/api/stacks/agents/keys`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  test("chosen among what the stack offers, written to its environment for the image, kept beside the keys, taken back", async () => {
    const stack = await deployAndWait(h, "agents");
    const get = async (what: string) =>
      (await (await fetch(`${h.url}/api/stacks/agents/${what}`, { headers: bearer(stack.managementToken) })).json()) as any;
    // Without a key: the free models only.
    expect((await get("models")).models.map((m: any) => m.id)).toEqual(["opencode/big-pickle", "opencode/nemotron-3-ultra-free"]);
    expect((await get("keys")).agents.map((a: any) => `${a.id}:${a.model}`)).toContain("sisyphus:null");

    const keyed = await post(stack.managementToken, { keys: { anthropic: KEY } });
    expect((await readEvents(`${h.url}${keyed.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    const offered = await get("models");
    expect(offered.models).toContainEqual({ id: "anthropic/claude-sonnet-4-5", name: "Claude Sonnet 4.5", provider: "Anthropic" });
    // What OpenCode says of a provider besides its models (its key among it) does not come through.
    expect(JSON.stringify(offered)).not.toContain(KEY.slice(-12));

    const chosen = await post(stack.managementToken, {
      models: { sisyphus: "anthropic/claude-sonnet-4-5", writing: "opencode/nemotron-3-ultra-free" },
    });
    expect(chosen.status).toBe(202);
    const events = await readEvents(`${h.url}${chosen.body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    expect(events.find((e) => e.event === "step" && e.data.step === "set_keys" && e.data.state === "succeeded")?.data.message).toBe(
      "Models: sisyphus, writing",
    );
    const env = (await appOf("agents")).env as string;
    expect(env).toContain("STACK_AGENT_MODELS=sisyphus=anthropic/claude-sonnet-4-5,writing=opencode/nemotron-3-ultra-free");
    expect(env).toContain(`ANTHROPIC_API_KEY=${KEY}`);
    const agents = (await get("keys")).agents;
    expect(agents.find((a: any) => a.id === "sisyphus")).toEqual({
      id: "sisyphus",
      kind: "agent",
      role: "main",
      model: "anthropic/claude-sonnet-4-5",
    });
    expect(agents.find((a: any) => a.id === "writing").model).toBe("opencode/nemotron-3-ultra-free");
    // Audited with the models (not secret), as the keys are by provider.
    expect(h.portal.store.audit.page(20).find((e) => e.action === "keys" && e.detail?.models)?.detail).toEqual({
      models: { sisyphus: "anthropic/claude-sonnet-4-5", writing: "opencode/nemotron-3-ultra-free" },
    });

    // A new password keeps them; null takes one back to the free default.
    expect((await operate("agents", stack.managementToken, "password")).events.at(-1)!.data.status).toBe("ready");
    expect((await appOf("agents")).env).toContain("STACK_AGENT_MODELS=sisyphus=anthropic/claude-sonnet-4-5,writing=");
    const back = await post(stack.managementToken, { models: { sisyphus: null, writing: null } });
    expect((await readEvents(`${h.url}${back.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    expect((await appOf("agents")).env).not.toContain("STACK_AGENT_MODELS");
    expect((await appOf("agents")).env).toContain(`ANTHROPIC_API_KEY=${KEY}`);
  });

  test("what is not an agent of the image or not a model is refused before anything runs", async () => {
    const stack = await deployAndWait(h, "agents-bad");
    for (const models of [
      { nobody: "openai/gpt-5" },
      { sisyphus: "gpt-5" },
      { sisyphus: "openai/gpt-5 #x" },
      { sisyphus: "openai/gpt-5\nEVIL=1" },
      {},
    ]) {
      const res = await fetch(`${h.url}/api/stacks/agents-bad/keys`, {
        method: "POST",
        headers: { ...bearer(stack.managementToken), "content-type": "application/json" },
        body: JSON.stringify({ models }),
      });
      expect({ models, status: res.status, code: ((await res.json()) as any).error.code }).toEqual({ models, status: 400, code: "invalid_request" });
    }
    expect((await appOf("agents-bad")).env).not.toContain("STACK_AGENT_MODELS");
  });
});
