// A real `opencode serve` behind a sandbox stack, in place of the emulated answer: the
// probe, password rotation and session checks then meet the real server. Each process
// takes about 250 MB, so tests choose the few stacks that get one.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface RealOpenCodeOptions {
  /** The native `opencode` executable: see findOpenCodeBinary. */
  command: string;
  /** Stacks whose appName contains one of these substrings run the real server. */
  match: string[];
  /** Where the volumes and home directories live (a temporary directory). */
  root: string;
}

export interface OpenCodeProcess {
  /** Resolves with the server's base URL once it listens, or null if it exited first. */
  ready: Promise<string | null>;
  stop(): void;
}

export interface OpenCodeLaunch {
  appName: string;
  env: Record<string, string>;
  /** Volume name -> mount path inside the container. */
  mounts: { volumeName: string; mountPath: string }[];
  onOutput: (line: string) => void;
}

const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * The native binary of the opencode-ai package (opencode-<platform>-<arch>[-baseline]). Not
 * node_modules/.bin/opencode: that is a Node wrapper whose child would outlive a kill.
 */
export function findOpenCodeBinary(nodeModules: string): string | null {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "x64" : process.arch;
  for (const variant of ["", "-baseline", "-musl", "-baseline-musl"]) {
    const path = join(nodeModules, `opencode-${platform}-${arch}${variant}`, "bin", "opencode");
    if (existsSync(path)) return path;
  }
  return null;
}

export function wantsRealOpenCode(opts: RealOpenCodeOptions | undefined, appName: string): opts is RealOpenCodeOptions {
  return opts?.match.some((m) => appName.includes(m)) ?? false;
}

/**
 * Starts `opencode serve` on a free loopback port with the container's environment. The
 * data volume (mounted at ~/.local/share/opencode in the image) becomes XDG_DATA_HOME's
 * `opencode` directory, so sessions survive a restart exactly when the volume does.
 */
export function launchOpenCode(opts: RealOpenCodeOptions, launch: OpenCodeLaunch): OpenCodeProcess {
  const home = join(opts.root, "home", launch.appName);
  const volume = (name: string) => join(opts.root, "volumes", name);
  const data = launch.mounts.find((m) => m.mountPath.endsWith("/.local/share/opencode"));
  const workspace = launch.mounts.find((m) => m.mountPath === "/workspace");
  const xdgData = data ? volume(data.volumeName) : join(home, ".local/share");
  const cwd = workspace ? volume(workspace.volumeName) : home;
  for (const dir of [home, xdgData, cwd]) mkdirSync(dir, { recursive: true });
  const proc = Bun.spawn([opts.command, "serve", "--port", "0", "--hostname", "127.0.0.1"], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_DATA_HOME: xdgData,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_CACHE_HOME: join(home, ".cache"),
      XDG_STATE_HOME: join(home, ".local/state"),
      // No model downloads or update checks from a test machine.
      OPENCODE_DISABLE_AUTOUPDATE: "true",
      OPENCODE_DISABLE_MODELS_FETCH: "true",
      ...launch.env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let resolveReady: (url: string | null) => void = () => {};
  const ready = new Promise<string | null>((resolve) => {
    resolveReady = resolve;
  });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let cut = buffer.indexOf("\n"); cut >= 0; cut = buffer.indexOf("\n")) {
        const line = buffer.slice(0, cut).trimEnd();
        buffer = buffer.slice(cut + 1);
        const url = LISTENING.exec(line)?.[1];
        if (url) resolveReady(url.replace(/\/+$/, ""));
        if (line) launch.onOutput(line);
      }
    }
  };
  void pump(proc.stdout).catch(() => {});
  void pump(proc.stderr).catch(() => {});
  void proc.exited.then(() => resolveReady(null));
  return {
    ready,
    stop() {
      proc.kill("SIGTERM");
      // OpenCode exits on SIGTERM at once; make sure nothing outlives the sandbox.
      setTimeout(() => proc.kill("SIGKILL"), 2000).unref?.();
    },
  };
}
