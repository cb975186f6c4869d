// The deploy workflows (Gitea Actions and its GitHub twin): they parse, test before they
// build, push the image with the commit sha and latest, log in with the password on stdin,
// then self-deploy the sha and run the smoke test.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readWorkflow, runScripts } from "../support/workflow.ts";
import { REPO_ROOT } from "./helpers.ts";

const IMAGE = "git.app.flexinit.nl/oussamadouhou/ai-stack-deployer";
const SHA = "${{ github.sha }}";

const FILES = [".gitea/workflows/deploy.yml", ".github/workflows/deploy.yml"];

const load = (file: string) => readWorkflow(join(REPO_ROOT, file));

for (const file of FILES) {
  describe(file, () => {
    test("parses and runs test, build and deploy on pushes to main, in that order", async () => {
      const w = await load(file);
      expect(w.on.push.branches).toEqual(["main"]);
      expect(Object.keys(w.jobs)).toEqual(["test", "build", "deploy"]);
      expect(w.jobs.build!.needs).toBe("test");
      expect(w.jobs.deploy!.needs).toBe("build");
    });

    test("tests on Debian with Chromium: npm ci, typecheck, npm test", async () => {
      const w = await load(file);
      expect(w.jobs.test!.container).toMatch(/bookworm/);
      const run = runScripts(w, "test");
      expect(run).toMatch(/apt-get install -y[^\n]*\bchromium\b/);
      const order = ["apt-get install", "npm ci", "npm run typecheck", "npm test"].map((s) => run.indexOf(s));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    test("builds the portal image from the repository root with the sha and latest tags, and pushes both", async () => {
      const w = await load(file);
      expect(w.env.IMAGE).toBe(IMAGE);
      expect(w.env.REGISTRY).toBe("git.app.flexinit.nl");
      const run = runScripts(w, "build");
      expect(run).toMatch(/docker build[\s\S]*\n\s*\.\s*(\n|$)/);
      for (const tag of [SHA, "latest"]) {
        expect(run).toContain(`--tag "${IMAGE}:${tag}"`);
        expect(run).toContain(`docker push "${IMAGE}:${tag}"`);
      }
    });

    test("logs in with the registry secrets, the password on stdin", async () => {
      const w = await load(file);
      const login = w.jobs.build!.steps.find((s) => s.run?.includes("docker login"))!;
      expect(login.env).toEqual({
        REGISTRY_USERNAME: "${{ secrets.REGISTRY_USERNAME }}",
        REGISTRY_PASSWORD: "${{ secrets.REGISTRY_PASSWORD }}",
      });
      expect(login.run).toContain("--password-stdin");
      expect(login.run).not.toMatch(/--password[ =]/);
    });

    test("self-deploys the commit's tag with the Dokploy secrets, then runs the smoke test", async () => {
      const w = await load(file);
      const steps = w.jobs.deploy!.steps;
      const deploy = steps.findIndex((s) => s.run?.includes("npm run self-deploy"));
      const smoke = steps.findIndex((s) => s.run?.includes("npm run smoke"));
      expect(deploy).toBeGreaterThan(-1);
      expect(smoke).toBeGreaterThan(deploy);
      expect(steps[deploy]!.run).toContain(`npm run self-deploy -- --tag "${SHA}"`);
      expect(steps[deploy]!.env).toMatchObject({
        DOKPLOY_URL: "${{ secrets.DOKPLOY_URL }}",
        DOKPLOY_API_TOKEN: "${{ secrets.DOKPLOY_API_TOKEN }}",
        ADMIN_TOKEN: "${{ secrets.ADMIN_TOKEN }}",
      });
      expect(steps[smoke]!.run).toContain('npm run smoke -- "https://deploy.${STACK_DOMAIN_SUFFIX}"');
      expect(w.jobs.deploy!.env?.STACK_DOMAIN_SUFFIX).toBe("ai.flexinit.nl");
      // Secrets are handed to steps, never written into the workflow-wide environment.
      expect(JSON.stringify(w.env)).not.toContain("secrets.");
    });
  });
}

test("the two workflows do the same thing", async () => {
  const [gitea, github] = await Promise.all(FILES.map(load));
  expect(github!.jobs).toEqual(gitea!.jobs);
  expect(github!.env).toEqual(gitea!.env);
});

test("package.json has the scripts the workflows call", async () => {
  const pkg = (await Bun.file(join(REPO_ROOT, "package.json")).json()) as { scripts: Record<string, string> };
  const wanted = { "self-deploy": "bun scripts/self-deploy.ts", smoke: "bun scripts/smoke.ts", typecheck: undefined, test: undefined };
  for (const [name, command] of Object.entries(wanted)) {
    expect(pkg.scripts[name], `package.json needs "${name}"${command ? `: "${command}"` : ""}`).toBeDefined();
    if (command) expect(pkg.scripts[name]).toBe(command);
  }
});
