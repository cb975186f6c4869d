// .gitea/workflows/stack-image.yml: parses, triggers on pushes to main that touch the
// image, and pushes the image with both tags using the registry secrets.
import { describe, expect, test } from "bun:test";
import { readWorkflow, runScripts } from "../support/workflow.ts";
import { WORKFLOW_FILE, readText } from "./helpers.ts";

const IMAGE = "git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free";

const text = await readText(WORKFLOW_FILE);
const parse = () => readWorkflow(WORKFLOW_FILE);

describe("stack-image workflow", () => {
  test("parses as YAML", async () => {
    const workflow = await parse();
    expect(typeof workflow.jobs).toBe("object");
  });

  test("runs on pushes to main that touch stack-image/", async () => {
    const { on } = await parse();
    expect(on.push.branches).toEqual(["main"]);
    expect(on.push.paths).toContain("stack-image/**");
  });

  test("builds the image from stack-image/ and names it", async () => {
    const workflow = await parse();
    expect(workflow.env.IMAGE).toBe(IMAGE);
    expect(workflow.env.REGISTRY).toBe("git.app.flexinit.nl");
    const all = runScripts(workflow);
    expect(all).toMatch(/docker build[\s\S]*stack-image/);
  });

  test("tags and pushes the commit sha and latest", async () => {
    const all = runScripts(await parse());
    for (const tag of ["${{ github.sha }}", "latest"]) {
      expect(all).toContain(`--tag "${IMAGE}:${tag}"`);
      expect(all).toContain(`docker push "${IMAGE}:${tag}"`);
    }
    expect(text).toContain(IMAGE);
  });

  test("logs in with the registry secrets, password on stdin", async () => {
    const workflow = await parse();
    const login = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .find((step) => step.run?.includes("docker login"));
    expect(login).toBeDefined();
    expect(login!.env).toEqual({
      REGISTRY_USERNAME: "${{ secrets.REGISTRY_USERNAME }}",
      REGISTRY_PASSWORD: "${{ secrets.REGISTRY_PASSWORD }}",
    });
    expect(login!.run).toContain("--password-stdin");
    expect(login!.run).not.toMatch(/--password[ =]/);
  });

  test("pushes only after the tests and the smoke test", async () => {
    const workflow = await parse();
    const build = workflow.jobs.build!;
    expect(build.needs).toBe("check");
    const names = build.steps.map((step) => step.run ?? "");
    const smoke = names.findIndex((run) => run.includes("healthcheck.sh"));
    const push = names.findIndex((run) => run.includes("docker push"));
    expect(smoke).toBeGreaterThan(-1);
    expect(push).toBeGreaterThan(smoke);
    const check = workflow.jobs.check!.steps.map((step) => step.run ?? "").join("\n");
    expect(check).toContain("bun test test/stack-image");
  });
});
