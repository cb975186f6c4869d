import { expect, test } from "bun:test";
import { offThread } from "../../src/dokploy/off-thread.ts";
import { parseWith } from "../../src/dokploy/parse.ts";
import { projectList } from "../../src/dokploy/schemas.ts";

const projects = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    projectId: `project-${i}`,
    name: `ai-stack-s${i}`,
    env: "SECRET=1",
    environments: [{ environmentId: `env-${i}`, name: "production", applications: [{ applicationId: `app-${i}`, name: "x" }] }],
  }));

test("a large project list is parsed in the worker, with the same result as inline", async () => {
  const text = JSON.stringify(projects(5000));
  expect(text.length).toBeGreaterThan(256 * 1024);
  const result = await offThread("projectList").parse(text);
  expect(result).toEqual(parseWith(projectList, text));
  expect(result.ok && result.data.length).toBe(5000);
  // Fields we do not read are stripped, in the worker too.
  expect(JSON.stringify(result)).not.toContain("SECRET");
});

test("bad answers are reported, not thrown, whichever thread parses them", async () => {
  const big = `[${"1,".repeat(200_000)}`;
  expect(await offThread("projectList").parse(big)).toEqual({ ok: false, problem: "response is not JSON" });
  const wrong = await offThread("projectList").parse(JSON.stringify(projects(5000).map((p) => ({ ...p, name: 42 }))));
  expect(wrong.ok).toBe(false);
  expect(!wrong.ok && wrong.problem).toContain("unexpected response shape");
  expect(await offThread("projectList").parse("[]")).toEqual({ ok: true, data: [] });
});
