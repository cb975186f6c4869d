import * as api from "./api.ts";

/**
 * The admin's list, live: GET /api/admin/stack-events read with fetch, since EventSource cannot
 * send the admin token. Reconnects after a break (the stream starts again with every row);
 * stops for good on a 401 or 403, which the view answers by signing out.
 */

const RETRY_MS = 2_000;

export interface LiveHandlers {
  changes(body: api.AdminStackChanges): void;
  /** The connection broke (true) or is back (false). */
  connection(lost: boolean): void;
  /** The token was refused: the stream has stopped. */
  refused(status: number, code: string): void;
}

/** Follows the list until the returned function is called. */
export function watchStacks(token: string, all: boolean, on: LiveHandlers): () => void {
  const controller = new AbortController();
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(api.stackEventsUrl(all), { headers: api.bearer(token), signal: controller.signal, cache: "no-store" });
        if (res.status === 401 || res.status === 403) {
          const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
          // Stopped meanwhile (another request's refusal signed the view out): nothing more to say.
          if (!controller.signal.aborted) on.refused(res.status, body?.error?.code ?? "unauthorized");
          return;
        }
        if (res.ok && res.body) await read(res.body, on);
      } catch {
        if (controller.signal.aborted) return;
      }
      if (controller.signal.aborted) return;
      on.connection(true);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  void run();
  return () => controller.abort();
}

/** The stream's `stacks` events, until it ends. */
async function read(body: ReadableStream<Uint8Array>, on: LiveHandlers): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = block.split("\n");
      if (!lines.includes("event: stacks")) continue;
      const data = lines.find((l) => l.startsWith("data: "));
      if (!data) continue;
      const changes = JSON.parse(data.slice(6)) as api.AdminStackChanges;
      if (changes.first) on.connection(false);
      on.changes(changes);
    }
  }
}
