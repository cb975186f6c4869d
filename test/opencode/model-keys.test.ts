import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployAndWait, readEvents, startHarness } from "../support/harness.ts";
import { openCode } from "../support/opencode.ts";

/**
 * Issue 26, part 4, with a real OpenCode (the image's release): a key the owner sets reaches the
 * stack's OpenCode, which then offers that provider (from the environment) and its models to
 * choose per agent, and goes again when it is removed.
 */

describe("the owner's model keys in a real OpenCode", () => {
  const oc = openCode("current");
  test(`${oc.version}: a key set is a provider OpenCode offers from its environment; removed, it is gone`, async () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-keys-"));
    const h = await startHarness({
      env: { HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
      sandbox: { stackStopMs: 100, openCode: { command: oc.command, match: ["ai-stack-real-"], root } },
    });
    try {
      const stack = await deployAndWait(h, "real-keys", { timeoutMs: 40_000 });
      const basic = `Basic ${Buffer.from(`opencode:${stack.credentials.password}`).toString("base64")}`;
      const providers = async () => {
        const res = await fetch(`${h.sandboxUrl}/config/providers`, { headers: { host: "real-keys.stacks.test", authorization: basic } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { providers: { id: string; source?: string; models: Record<string, unknown> }[] }).providers;
      };
      expect((await providers()).map((p) => p.id)).not.toContain("anthropic");

      const apply = async (keys: Record<string, string | null>) => {
        const res = await fetch(`${h.url}/api/stacks/real-keys/keys`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.managementToken}`, "content-type": "application/json" },
          body: JSON.stringify({ keys }),
        });
        expect(res.status).toBe(202);
        const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`, { timeoutMs: 40_000 });
        expect(events.at(-1)!.data.status).toBe("ready");
      };
      await apply({ anthropic: "sk-ant-api03-real-opencode-test-key-0001" });
      const anthropic = (await providers()).find((p) => p.id === "anthropic");
      expect(anthropic?.source).toBe("env");
      expect(Object.keys(anthropic?.models ?? {}).length).toBeGreaterThan(0);
      // The portal's list to choose a model per agent: the same models, named, and nothing else of the provider.
      const offered = await fetch(`${h.url}/api/stacks/real-keys/models`, { headers: { authorization: `Bearer ${stack.managementToken}` } });
      expect(offered.status).toBe(200);
      const text = await offered.text();
      const ids = (JSON.parse(text) as { models: { id: string }[] }).models.map((m) => m.id);
      expect(ids).toContain(`anthropic/${Object.keys(anthropic!.models)[0]}`);
      expect(ids.some((id) => id.startsWith("opencode/"))).toBe(true);
      expect(text).not.toContain("real-opencode-test-key");

      await apply({ anthropic: null });
      expect((await providers()).map((p) => p.id)).not.toContain("anthropic");
    } finally {
      await h.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
