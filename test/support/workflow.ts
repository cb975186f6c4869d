import { z } from "zod";

/**
 * A CI workflow file (Gitea Actions or GitHub Actions), as far as the tests read it. Loose
 * objects: keys not named here are kept, so comparing two workflows compares all of them.
 */

const env = z.record(z.string(), z.string());

const step = z.looseObject({
  name: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  env: env.optional(),
});

const job = z.looseObject({
  "runs-on": z.string(),
  container: z.string().optional(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  env: env.optional(),
  steps: z.array(step),
});

const workflow = z.looseObject({
  on: z.looseObject({ push: z.looseObject({ branches: z.array(z.string()), paths: z.array(z.string()).optional() }) }),
  env,
  jobs: z.record(z.string(), job),
});

export type Workflow = z.infer<typeof workflow>;

export async function readWorkflow(path: string): Promise<Workflow> {
  return workflow.parse(Bun.YAML.parse(await Bun.file(path).text()));
}

/** The `run:` scripts of one job (or of all), with the workflow's IMAGE and REGISTRY expanded. */
export function runScripts(w: Workflow, jobName?: string): string {
  const jobs = jobName ? [w.jobs[jobName]!] : Object.values(w.jobs);
  let text = jobs
    .flatMap((j) => j.steps)
    .map((s) => s.run ?? "")
    .join("\n");
  for (const name of ["IMAGE", "REGISTRY"]) text = text.replaceAll(`\${${name}}`, w.env[name]!).replaceAll(`$${name}`, w.env[name]!);
  return text;
}
