import type { Subprocess } from "bun";

/** The portal as a separate process (for crash tests: SIGKILL and restart). */
export interface PortalProcess {
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnPortal(env: Record<string, string>): Promise<PortalProcess> {
  const proc = Bun.spawn(["./node_modules/.bin/bun", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const decoder = new TextDecoder();
  let resolveUrl: (url: string) => void = () => {};
  const urlPromise = new Promise<string>((r) => (resolveUrl = r));
  (async () => {
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk);
      const match = /"url":"(http:\/\/[^"]+)","mode"/.exec(out);
      if (match) resolveUrl(match[1]!);
    }
  })();
  (async () => {
    for await (const chunk of proc.stderr) out += decoder.decode(chunk);
  })();
  const url = await Promise.race([
    urlPromise,
    proc.exited.then((code) => {
      throw new Error(`portal exited with ${code} before listening:\n${out}`);
    }),
    Bun.sleep(15_000).then(() => {
      throw new Error(`portal did not start in time:\n${out}`);
    }),
  ]);
  return {
    url,
    proc,
    output: () => out,
    async kill(signal = "SIGKILL") {
      proc.kill(signal);
      await proc.exited;
    },
  };
}
