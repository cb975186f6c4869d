/**
 * A static body compressed once, at build time, with the best settings (the page is built
 * once per process, so brotli's slowest level costs nothing per request), and the variant
 * each request accepts.
 */

export type Encoding = "br" | "gzip" | "identity";

export interface Precompressed {
  identity: Uint8Array<ArrayBuffer>;
  br: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  /** A strong validator of the content (the same for every encoding's ETag base). */
  etag: string;
}

export function precompress(text: string, etag: string): Precompressed {
  // node:zlib when the page is first built, not at start (why: cold start, ~5 ms).
  const { brotliCompressSync, constants, gzipSync } = process.getBuiltinModule("node:zlib");
  const identity = new TextEncoder().encode(text);
  return {
    identity,
    // Copied out of Node's pooled Buffers into bodies of their own.
    br: new Uint8Array(
      brotliCompressSync(identity, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.byteLength },
      }),
    ),
    gzip: new Uint8Array(gzipSync(identity, { level: 9 })),
    etag,
  };
}

/** Accept-Encoding's q-values, per RFC 9110 §12.5.3: `*` covers the rest, q=0 refuses. */
export function negotiate(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return "identity";
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    if (coding) q.set(coding, Number.isFinite(value) ? value : 0);
  }
  const weight = (coding: string) => q.get(coding) ?? q.get("*") ?? 0;
  // Brotli is smaller than gzip for text; on equal weight it wins.
  const best = (["br", "gzip"] as const).filter((c) => weight(c) > 0).sort((a, b) => weight(b) - weight(a))[0];
  return best ?? "identity";
}

/** The response for one request: the chosen variant with its headers, or 304 when the client has it. */
export function serve(body: Precompressed, req: { acceptEncoding?: string; ifNoneMatch?: string }, headers: Record<string, string>): Response {
  const encoding = negotiate(req.acceptEncoding);
  const etag = `"${body.etag}${encoding === "identity" ? "" : `-${encoding}`}"`;
  const common: Record<string, string> = { ...headers, ETag: etag, Vary: "Accept-Encoding" };
  if (req.ifNoneMatch?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
    return new Response(null, { status: 304, headers: common });
  }
  if (encoding !== "identity") common["Content-Encoding"] = encoding;
  return new Response(body[encoding], { headers: common });
}
