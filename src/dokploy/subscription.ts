import { DokployError, sanitiseMessage } from "./errors.ts";
import type { TransportOptions } from "./transport.ts";

/**
 * One tRPC subscription over Dokploy's WebSocket (`/drawer-logs`, docs/dokploy.md): some of its
 * procedures exist only as subscriptions, which its HTTP API does not serve. The key goes in
 * the upgrade's `x-api-key` header, as on every HTTP call; Dokploy closes the socket at once
 * when it does not take it. Messages are tRPC v11's JSON-RPC with superjson's `{"json": …}`.
 * Resolves with every line the subscription sent once it stops.
 */
export function subscribeLines(
  opts: TransportOptions,
  path: string,
  input: Record<string, unknown>,
  signal: AbortSignal,
  onLine: (line: string) => void = () => undefined,
): Promise<string[]> {
  const url = new URL("/drawer-logs", opts.baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let started = false;
    let settled = false;
    // Bun's WebSocket takes headers (the browser's does not): the key is never in the URL.
    const ws = new WebSocket(url.toString(), { headers: { "x-api-key": opts.apiKey } } as unknown as string[]);
    const end = (err: DokployError | null) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      if (ws.readyState === WebSocket.OPEN) {
        if (started && err) ws.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
        ws.close(1000);
      }
      if (err) reject(err);
      else resolve(lines);
    };
    const abort = () => end(new DokployError(path, "timeout", `${path}: no end within the time allowed`));
    signal.addEventListener("abort", abort, { once: true });
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: "subscription", params: { path, input: { json: input } } }));
    ws.onmessage = (e) => {
      let msg: {
        id?: unknown;
        result?: { type?: string; data?: { json?: unknown } };
        error?: { json?: { message?: string; data?: { code?: string } } };
      };
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return end(new DokployError(path, "unavailable", `${path}: a message that is not JSON`));
      }
      if (msg.id !== 1) return;
      if (msg.error) {
        const code = msg.error.json?.data?.code;
        const failure = code === "NOT_FOUND" ? "not_found" : code === "UNAUTHORIZED" ? "unauthorized" : "rejected";
        return end(new DokployError(path, failure, sanitiseMessage(`${path}: ${msg.error.json?.message ?? "refused"}`), undefined, code));
      }
      const type = msg.result?.type;
      if (type === "started") started = true;
      else if (type === "data") {
        const line = String(msg.result?.data?.json ?? "");
        lines.push(line);
        onLine(line);
      } else if (type === "stopped") end(null);
    };
    ws.onerror = () => end(new DokployError(path, "unavailable", `${path}: the WebSocket to Dokploy failed`));
    // Closed before the end: a refused key (Dokploy closes without a word) or a lost connection.
    ws.onclose = () =>
      end(
        started
          ? new DokployError(path, "unavailable", `${path}: the connection to Dokploy closed before the end`)
          : new DokployError(path, "unauthorized", `${path}: Dokploy closed the connection (is the API key valid?)`),
      );
  });
}
