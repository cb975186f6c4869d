// dotenv.parse (v16) and Dokploy's prepareEnvironmentVariables, so env text is
// interpreted at deploy time exactly as the real deploy would (including the
// "unresolvable ${{...}} fails the deploy" rule of docs/dokploy.md §3 saveEnvironment).

const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

export function parseDotenv(src: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = (src ?? "").replace(/\r\n?/gm, "\n");
  LINE.lastIndex = 0;
  for (let match = LINE.exec(lines); match !== null; match = LINE.exec(lines)) {
    const key = match[1] ?? "";
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    out[key] = value;
  }
  return out;
}

/** Resolves ${{project.X}}, ${{environment.X}} and ${{X}}; throws the same messages Dokploy does. */
export function resolveServiceEnv(serviceEnv: string | null, projectEnv: string | null, environmentEnv: string | null): Record<string, string> {
  const projectVars = parseDotenv(projectEnv);
  const environmentVars = parseDotenv(environmentEnv);
  const serviceVars = parseDotenv(serviceEnv);
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(serviceVars)) {
    let v = value.replace(/\$\{\{project\.(.*?)\}\}/g, (_, ref: string) => {
      const found = projectVars[ref];
      if (found !== undefined) return found;
      throw new Error(`Invalid project environment variable: project.${ref}`);
    });
    v = v.replace(/\$\{\{environment\.(.*?)\}\}/g, (_, ref: string) => {
      const found = environmentVars[ref];
      if (found !== undefined) return found;
      throw new Error(`Invalid environment variable: environment.${ref}`);
    });
    v = v.replace(/\$\{\{(.*?)\}\}/g, (_, ref: string) => {
      const found = serviceVars[ref];
      if (found !== undefined) return found;
      throw new Error(`Invalid service environment variable: ${ref}`);
    });
    resolved[key] = v;
  }
  return resolved;
}
