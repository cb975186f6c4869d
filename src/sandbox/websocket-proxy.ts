// Traefik passes WebSocket upgrades through to the service (OpenCode's terminal, /pty/{id}/connect):
// the sandbox does the same for a real `opencode serve`, after the router's middlewares.
import type { ServerWebSocket, WebSocketHandler } from "bun";

/** What the Bun server needs to upgrade a request (the sandbox's own listener). */
export interface Upgrader {
  upgrade(req: Request, opts: { data: ProxiedSocket; headers?: HeadersInit }): boolean;
}

export interface ProxiedSocket {
  url: string;
  headers: Record<string, string>;
  upstream?: WebSocket;
  queue?: (string | Uint8Array<ArrayBuffer>)[];
}

/** Returned by fetch when the request became a WebSocket: the listener then answers nothing itself. */
export const UPGRADED = new Response(null, { status: 101 });

export const isUpgrade = (req: Request) => req.headers.get("upgrade")?.toLowerCase() === "websocket";

export const websocketProxy: WebSocketHandler<ProxiedSocket> = {
  open(ws: ServerWebSocket<ProxiedSocket>) {
    const upstream = new WebSocket(ws.data.url, { headers: ws.data.headers } as unknown as string[]);
    upstream.binaryType = "arraybuffer";
    ws.data.upstream = upstream;
    ws.data.queue = [];
    upstream.onopen = () => {
      for (const m of ws.data.queue ?? []) upstream.send(m);
      ws.data.queue = [];
    };
    upstream.onmessage = (e) => ws.send(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
    upstream.onclose = (e) => ws.close(e.code === 1005 || e.code === 1006 ? 1000 : e.code, e.reason);
    upstream.onerror = () => ws.close(1011, "upstream error");
  },
  message(ws, raw) {
    const message = typeof raw === "string" ? raw : new Uint8Array(raw);
    const upstream = ws.data.upstream;
    if (upstream?.readyState === WebSocket.OPEN) upstream.send(message);
    else ws.data.queue?.push(message);
  },
  close(ws) {
    ws.data.upstream?.close();
  },
};
