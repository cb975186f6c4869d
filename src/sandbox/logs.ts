// Deployment log "files". Keyed by deploymentId rather than logPath: real
// paths have one-second resolution, and the sandbox's fast deploys would
// otherwise make two deployments share (and overwrite) one file.

export class DeploymentLogs {
  private files = new Map<string, string>();

  write(deploymentId: string, text: string): void {
    this.files.set(deploymentId, text);
  }

  append(deploymentId: string, ...lines: string[]): void {
    // A deleted deployment's file is gone; a late build writing to it must not resurrect it.
    const current = this.files.get(deploymentId);
    if (current === undefined) return;
    this.files.set(deploymentId, current + lines.map((l) => `${l}\n`).join(""));
  }

  remove(deploymentId: string): void {
    this.files.delete(deploymentId);
  }

  clear(): void {
    this.files.clear();
  }

  /** `tail -n <n>` of the file; "" when the file is missing. */
  tail(deploymentId: string, n: number): string {
    const text = this.files.get(deploymentId);
    if (!text) return "";
    const endsWithNewline = text.endsWith("\n");
    const lines = (endsWithNewline ? text.slice(0, -1) : text).split("\n");
    return lines.slice(-n).join("\n") + (endsWithNewline ? "\n" : "");
  }
}

const SINCE_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `docker service logs --timestamps --raw --tail N [--since X] 2>&1 [| grep -iF S]` over a
 * service's output lines (each starts with its ISO timestamp), as one string.
 */
export function containerLogs(output: string[], opts: { tail: number; since: string; search?: string }): string {
  let lines = output.slice(-opts.tail);
  const since = /^(\d+)([smhd])$/.exec(opts.since);
  if (since) {
    const from = Date.now() - Number(since[1]) * SINCE_MS[since[2] as keyof typeof SINCE_MS];
    lines = lines.filter((l) => Date.parse(l.slice(0, l.indexOf(" "))) >= from);
  }
  if (opts.search) {
    const needle = opts.search.toLowerCase();
    lines = lines.filter((l) => l.toLowerCase().includes(needle));
  }
  return lines.map((l) => `${l}\n`).join("");
}
