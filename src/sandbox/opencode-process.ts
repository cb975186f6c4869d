// A real `opencode serve` behind a sandbox stack, in place of the emulated answer: the
// probe, password rotation and session checks then meet the real server. Each process
// takes about 250 MB, so tests choose the few stacks that get one.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface RealOpenCodeOptions {
  /** The native `opencode` executable: see opencode-versions.ts. */
  command: string;
  /** Stacks whose appName contains one of these substrings run the real server. */
  match: string[];
  /** Where the volumes and home directories live (a temporary directory). */
  root: string;
  /**
   * Another OpenCode for some stacks or images (undefined: `command`), for tests that run two
   * releases side by side or move a stack from one image to another.
   */
  choose?: (task: { appName: string; image: string }) => OpenCodeImage | undefined;
  /**
   * Added to every real OpenCode's environment, under the container's own: what an image would
   * bake in, e.g. a test's model provider on loopback (OPENCODE_CONFIG_CONTENT).
   */
  env?: Record<string, string>;
}

/** What a stack image runs, as far as the sandbox plays it. */
export interface OpenCodeImage {
  command: string;
  /**
   * The image's entrypoint carries OpenCode 1.1's sessions over before the server starts:
   * the sandbox runs the image's own script (stack-image/import-sessions.ts) the same way.
   */
  importSessions?: boolean;
}

export interface OpenCodeProcess {
  /** Resolves with the server's base URL once it listens, or null if it exited first. */
  ready: Promise<string | null>;
  /** Resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface OpenCodeLaunch {
  appName: string;
  /** The task's image reference (see RealOpenCodeOptions.choose). */
  image: string;
  env: Record<string, string>;
  /** Volume name -> mount path inside the container. */
  mounts: { volumeName: string; mountPath: string }[];
  onOutput: (line: string) => void;
}

const LISTENING = /listening on (http:\/\/\S+)/;
const IMPORT_SCRIPT = fileURLToPath(new URL("../../stack-image/import-sessions.ts", import.meta.url));

export function wantsRealOpenCode(opts: RealOpenCodeOptions | undefined, appName: string): opts is RealOpenCodeOptions {
  return opts?.match.some((m) => appName.includes(m)) ?? false;
}

/**
 * Starts `opencode serve` on a free loopback port with the container's environment. The
 * data volume (mounted at ~/.local/share/opencode in the image) becomes XDG_DATA_HOME's
 * `opencode` directory, so sessions survive a restart exactly when the volume does.
 */
export function launchOpenCode(opts: RealOpenCodeOptions, launch: OpenCodeLaunch): OpenCodeProcess {
  const image = opts.choose?.({ appName: launch.appName, image: launch.image }) ?? { command: opts.command };
  const home = join(opts.root, "home", launch.appName);
  const volume = (name: string) => join(opts.root, "volumes", name);
  const data = launch.mounts.find((m) => m.mountPath.endsWith("/.local/share/opencode"));
  const workspace = launch.mounts.find((m) => m.mountPath === "/workspace");
  const xdgData = data ? volume(data.volumeName) : join(home, ".local/share");
  const cwd = workspace ? volume(workspace.volumeName) : home;
  for (const dir of [home, xdgData, cwd]) mkdirSync(dir, { recursive: true });
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_DATA_HOME: xdgData,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local/state"),
    // No model downloads or update checks from a test machine.
    OPENCODE_DISABLE_AUTOUPDATE: "true",
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    ...opts.env,
    ...launch.env,
  };
  let resolveReady: (url: string | null) => void = () => {};
  const ready = new Promise<string | null>((resolve) => {
    resolveReady = resolve;
  });
  let current: Bun.Subprocess | null = null;
  let stopped = false;
  const spawn = (cmd: string[], extra: Record<string, string> = {}) => {
    const proc = Bun.spawn(cmd, { cwd, env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe" });
    current = proc;
    void pump(proc.stdout, launch.onOutput, resolveReady).catch(() => {});
    void pump(proc.stderr, launch.onOutput, resolveReady).catch(() => {});
    return proc;
  };
  void (async () => {
    // As the image's entrypoint does, before the server: the sessions an OpenCode 1.1 left.
    if (image.importSessions) await spawn([process.execPath, IMPORT_SCRIPT], { OPENCODE_BIN: image.command, STACK_WORKSPACE: cwd }).exited;
    if (stopped) return resolveReady(null);
    const server = spawn([image.command, "serve", "--port", "0", "--hostname", "127.0.0.1"]);
    await server.exited;
    resolveReady(null);
  })();
  return {
    ready,
    stop() {
      stopped = true;
      const proc = current;
      if (!proc) return Promise.resolve();
      proc.kill("SIGTERM");
      // 1.1 exits on SIGTERM at once, 1.18 after a second or more. Whoever stops the sandbox
      // waits for the exit (SIGKILL after 2 s), so no server outlives a test run that ends then.
      const timer = setTimeout(() => proc.kill("SIGKILL"), 2000);
      return proc.exited.then(() => clearTimeout(timer));
    },
  };
}

/** Hands each output line on, and the server's address once it says where it listens. */
async function pump(stream: ReadableStream<Uint8Array>, onOutput: (line: string) => void, onListening: (url: string) => void) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let cut = buffer.indexOf("\n"); cut >= 0; cut = buffer.indexOf("\n")) {
      const line = buffer.slice(0, cut).trimEnd();
      buffer = buffer.slice(cut + 1);
      const url = LISTENING.exec(line)?.[1];
      if (url) onListening(url.replace(/\/+$/, ""));
      if (line) onOutput(line);
    }
  }
}
