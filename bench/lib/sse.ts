/** A minimal SSE client over fetch streams, with the wall-clock time each event arrived. */

export interface SseEvent {
  id: string;
  event: string;
  data: any;
  /** Wall clock (ms since epoch, fractional) when the event's last byte was read. */
  receivedAt: number;
}

/** Wall-clock now with sub-millisecond resolution (Date.now() is whole milliseconds). */
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Reads `url` until the stream ends, `until` returns true, or the signal aborts.
 * `onOpen` fires when the response headers arrive.
 */
export async function readSse(
  url: string,
  opts: {
    onEvent?: (e: SseEvent) => void;
    until?: (e: SseEvent) => boolean;
    onOpen?: () => void;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Promise<SseEvent[]> {
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...opts.headers }, signal: opts.signal });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
  opts.onOpen?.();
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    const receivedAt = wallNow();
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let id = "";
      let event = "";
      let data: any;
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data = JSON.parse(line.slice(5).trim());
      }
      if (!event) continue; // heartbeat comment
      const e: SseEvent = { id, event, data, receivedAt };
      events.push(e);
      opts.onEvent?.(e);
      if (opts.until?.(e)) {
        await reader.cancel().catch(() => undefined);
        return events;
      }
    }
  }
}

/** POST /api/deploy; throws unless 202. */
export async function postDeploy(
  portalUrl: string,
  name: string,
): Promise<{ deploymentId: string; eventsUrl: string; sentAt: number; acceptedAt: number }> {
  const sentAt = wallNow();
  const res = await fetch(`${portalUrl}/api/deploy`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`deploy ${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { deploymentId: body.deploymentId, eventsUrl: `${portalUrl}${body.eventsUrl}`, sentAt, acceptedAt: wallNow() };
}

/** Deploys every name through the portal's API, `concurrency` at a time, each until it is ready; `onReady` after each. */
export async function deployAll(portalUrl: string, names: string[], concurrency: number, onReady?: (done: number) => void): Promise<void> {
  let next = 0;
  let ready = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      const accepted = await postDeploy(portalUrl, name);
      const done = (await readSse(accepted.eventsUrl, { until: (e) => e.event === "done" })).at(-1);
      if (done?.data.status !== "ready") throw new Error(`deploy ${name} ended ${JSON.stringify(done?.data)}`);
      onReady?.(++ready);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
