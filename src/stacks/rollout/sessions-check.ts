import type { Stack } from "../model/vocabulary.ts";
import { readSessionIds } from "../probe/opencode-api.ts";
import type { Ports } from "../runs/ports.ts";
import type { OpenCodePorts } from "../probe/opencode-api.ts";

/**
 * A new image must still open the stack's OpenCode data: answering the probe is not enough (an
 * OpenCode that cannot read the data volume starts fine and lists nothing). So a rollout reads
 * the stack's sessions before the upgrade and, once it answers on the new image, again; a
 * session that went missing fails the upgrade, and the stack is put back on its old image,
 * whose OpenCode still reads its data (stack-image/README.md, "Upgrading a running stack").
 */

/** A first request builds OpenCode's instance (its plugins load): a few seconds on a busy node. */
const READ_TIMEOUT_MS = 30_000;
/** How long OpenCode on the new image may take to list sessions at all. */
const CHECK_WINDOW_MS = 60_000;
const RETRY_MS = 1_000;
/** Ids named in the error, of those missing. */
const NAMED = 3;

/** The ids the stack's OpenCode lists now, or null when they cannot be read (then nothing is checked). */
export async function sessionsBefore(deps: OpenCodePorts, stack: Stack): Promise<string[] | null> {
  return await readSessionIds(deps, stack, READ_TIMEOUT_MS).catch(() => null);
}

/** Why the stack on `image` fails the check, or null when it lists every session of `before`. */
export async function sessionsMissing(
  deps: OpenCodePorts & Pick<Ports, "log">,
  stack: Stack,
  before: string[],
  image: string,
  stopped: () => boolean = () => false,
): Promise<string | null> {
  const deadline = Date.now() + CHECK_WINDOW_MS;
  let now: string[] | null = null;
  for (;;) {
    now = await readSessionIds(deps, stack, READ_TIMEOUT_MS).catch(() => null);
    if (now !== null || stopped() || Date.now() + RETRY_MS >= deadline) break;
    await Bun.sleep(RETRY_MS);
  }
  if (now === null) return `OpenCode on ${image} answers, but its sessions could not be read (it listed ${before.length} before the upgrade)`;
  const listed = new Set(now);
  const missing = before.filter((id) => !listed.has(id));
  if (missing.length === 0) return null;
  const named = missing.slice(0, NAMED).join(", ") + (missing.length > NAMED ? ", …" : "");
  return (
    `OpenCode on ${image} does not list ${missing.length} of the ${before.length} sessions the stack had (${named}): ` +
    "it did not carry the stack's OpenCode data over (the container's log says why)"
  );
}
