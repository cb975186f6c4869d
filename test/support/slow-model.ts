/**
 * A model provider on loopback for a real OpenCode: an OpenAI-compatible chat completions
 * endpoint that streams its answer slowly, so that the session that asked is really busy (as
 * `/session/status` says) for as long as a test needs. OpenCode 1.18 reaches it through its
 * bundled `@ai-sdk/openai-compatible`; no network, no key.
 */
export interface SlowModel {
  /** OPENCODE_CONFIG_CONTENT for an OpenCode that should use it (provider `local`, model `slow`). */
  config: string;
  /** Chat completion requests it got. */
  requests(): number;
  stop(): void;
}

export function startSlowModel(answerMs: number): SlowModel {
  let requests = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      if (!new URL(req.url).pathname.endsWith("/chat/completions")) return new Response("{}", { status: 404 });
      requests++;
      const encoder = new TextEncoder();
      const chunk = (delta: Record<string, string>, finish: string | null = null) =>
        encoder.encode(
          `data: ${JSON.stringify({ id: "slow", object: "chat.completion.chunk", created: 0, model: "slow", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
        );
      const body = new ReadableStream({
        async start(controller) {
          controller.enqueue(chunk({ role: "assistant", content: "" }));
          const words = Math.max(1, Math.round(answerMs / 250));
          for (let i = 0; i < words; i++) {
            await Bun.sleep(250);
            controller.enqueue(chunk({ content: `word${i} ` }));
          }
          controller.enqueue(chunk({}, "stop"));
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
  const config = JSON.stringify({
    $schema: "https://opencode.ai/config.json",
    provider: {
      local: {
        npm: "@ai-sdk/openai-compatible",
        name: "Local",
        options: { baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: "none" },
        models: { slow: { name: "Slow" } },
      },
    },
  });
  return { config, requests: () => requests, stop: () => server.stop(true) };
}
