import type { IdempotencyRepo } from "../../store/idempotency.ts";
import { hashToken, openWith, sealWith } from "../owners/secrets.ts";

const TTL_MS = 24 * 3_600_000;

type Outcome<T> = ({ ok: true } & T) | { ok: false; code: string; message: string };

/**
 * Idempotent deploys: a repeat with the same Idempotency-Key gets the first answer again,
 * secrets included. The stored answer is sealed with the key itself (only its hash is
 * stored), so the database alone cannot reveal it. Requests with one key run in turn.
 */
export class IdempotencyGuard {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repo: IdempotencyRepo,
    /** Whether the stack a deployment created has been deleted since (or is being deleted). */
    private readonly deleted: (deploymentId: string) => boolean,
  ) {}

  run<T extends { name: string; deploymentId: string }>(
    key: string,
    name: string,
    fn: () => Promise<Outcome<T>>,
  ): Promise<Outcome<T & { replayed?: boolean }>> {
    const keyHash = hashToken(`idem:${key}`);
    const run = (this.locks.get(keyHash) ?? Promise.resolve()).then(() => this.once(key, keyHash, name, fn));
    const tail = run.catch(() => undefined);
    this.locks.set(keyHash, tail);
    void tail.then(() => {
      if (this.locks.get(keyHash) === tail) this.locks.delete(keyHash);
    });
    return run;
  }

  private async once<T extends { name: string; deploymentId: string }>(
    key: string,
    keyHash: string,
    name: string,
    fn: () => Promise<Outcome<T>>,
  ): Promise<Outcome<T & { replayed?: boolean }>> {
    const previous = this.repo.get(keyHash, new Date(Date.now() - TTL_MS).toISOString());
    if (previous) {
      if (previous.name !== name) return { ok: false, code: "idempotency_key_reused", message: "This Idempotency-Key was used for another name" };
      // The old answer's token and password belong to a stack that is gone: do not hand them out again.
      if (this.deleted(previous.deploymentId))
        return {
          ok: false,
          code: "stack_deleted",
          message: "The stack this Idempotency-Key created has been deleted; use a new key to deploy again",
        };
      const opened = openWith(key, previous.sealed);
      if (opened) return { ...(JSON.parse(opened) as T), ok: true, replayed: true };
    }
    const result = await fn();
    if (result.ok) {
      const { ok: _ok, ...answer } = result;
      const at = new Date();
      this.repo.put(
        keyHash,
        { name: result.name, deploymentId: result.deploymentId, sealed: sealWith(key, JSON.stringify(answer)) },
        at.toISOString(),
      );
      this.repo.prune(new Date(at.getTime() - TTL_MS).toISOString());
    }
    return result;
  }
}
