/**
 * Deploys accepted against a client's RATE_LIMIT_DEPLOY budget, held until they end. One that
 * failed through the platform's fault gives its use back, so "fail, try again, succeed" costs one
 * deploy, not two. Every failure after the 202 is the platform's (the name and the request were
 * checked before), except `cancelled`: the person deleted the stack while it was being made.
 */
export class DeployRefunds {
  private readonly held = new Map<string, () => void>();

  hold(deploymentId: string, giveBack: () => void): void {
    this.held.set(deploymentId, giveBack);
  }

  /** A deploy's end: failed through the platform gives its use back; anything else keeps it. */
  settle(deploymentId: string, failedCode: string | null): void {
    const giveBack = this.held.get(deploymentId);
    this.held.delete(deploymentId);
    if (failedCode !== null && failedCode !== "cancelled") giveBack?.();
  }
}
