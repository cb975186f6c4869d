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
