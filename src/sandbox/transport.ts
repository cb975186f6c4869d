// Low-level answers that are not HTTP responses in the usual sense: a dropped
// connection and a request that is never answered.

/**
 * A body stream that errors before its first byte makes Bun reset the
 * connection without sending a status line, so the client's fetch rejects
 * (ECONNRESET) instead of seeing an HTTP response. Erroring with `undefined`
 * keeps Bun from printing the error.
 */
export function dropConnection(): Response {
  return new Response(
    new ReadableStream({
      start(controller) {
        controller.error(undefined);
      },
    }),
  );
}

export interface ServerLike {
  timeout(request: Request, seconds: number): void;
}

/** Open requests held by "hang" faults, released (as drops) on client abort, reset or stop. */
export class HangRegistry {
  private releases = new Set<() => void>();

  hang(req: Request, server?: ServerLike): Promise<Response> {
    // Bun closes idle requests after 10 s by default; a hang must outlast any client timeout.
    server?.timeout(req, 0);
    return new Promise<Response>((resolve) => {
      const release = () => {
        this.releases.delete(release);
        req.signal.removeEventListener("abort", release);
        resolve(dropConnection());
      };
      this.releases.add(release);
      if (req.signal.aborted) release();
      else req.signal.addEventListener("abort", release, { once: true });
    });
  }

  releaseAll(): void {
    for (const release of [...this.releases]) release();
  }

  get size(): number {
    return this.releases.size;
  }
}
