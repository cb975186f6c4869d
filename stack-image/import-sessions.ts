#!/usr/bin/env bun
/**
 * Carries the sessions of an OpenCode 1.1 data directory over to the OpenCode in this image.
 *
 * OpenCode up to 1.1 kept each session as JSON files under `storage/`; 1.2 moved them into
 * `opencode.db` (SQLite) with a one-time migration that later releases dropped, so 1.18 opens
 * an old data volume and lists none of its sessions. Run by entrypoint.sh before `opencode
 * serve`, this hands every file-kept session the database lacks (or holds an older copy of)
 * to `opencode import`, OpenCode's own way in, which keeps its id, title, times and messages.
 * The files are left as they are, so an image that goes back to 1.1 still finds them.
 *
 * A marker beside the data records what was carried over; while the files are unchanged, a
 * start costs one directory listing. Exit 0: nothing to do, or everything imported; exit 1:
 * some sessions could not be (each is named on stderr), the others are imported.
 *
 * Environment: OPENCODE_BIN (default `opencode`), XDG_DATA_HOME or HOME (where OpenCode keeps
 * its data), STACK_WORKSPACE (the server's directory, for sessions whose own is gone).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

const MARKER = "stack-image-import.json";
/**
 * Imports at once. Each is an OpenCode process of its own (about 2 s of one core, mostly its
 * start) writing to the one SQLite file, which waits its turn for a moment at most.
 */
const CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

type Json = Record<string, unknown>;
interface Legacy {
  id: string;
  directory: string | null;
  updated: number;
  file: string;
}

const env = process.env;
const opencode = env.OPENCODE_BIN || "opencode";
const dataDir = join(env.XDG_DATA_HOME || join(env.HOME || "/home/bun", ".local", "share"), "opencode");
const storage = join(dataDir, "storage");
const workspace = isDirectory(env.STACK_WORKSPACE) ? (env.STACK_WORKSPACE as string) : process.cwd();

const log = (line: string) => process.stderr.write(`[stack-image] ${line}\n`);

function isDirectory(path: string | null | undefined): boolean {
  return !!path && statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readJson(file: string): Json | null {
  try {
    const value = JSON.parse(readFileSync(file, "utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null;
  }
}

/** storage/session/<project>/<session>.json: every session OpenCode 1.1 kept. */
function legacySessions(): Legacy[] {
  const found: Legacy[] = [];
  const root = join(storage, "session");
  for (const project of list(root)) {
    for (const name of list(join(root, project))) {
      if (!name.endsWith(".json")) continue;
      const file = join(root, project, name);
      const info = readJson(file);
      const time = info?.time as { updated?: unknown } | undefined;
      found.push({
        id: typeof info?.id === "string" ? info.id : name.slice(0, -5),
        directory: typeof info?.directory === "string" ? info.directory : null,
        updated: typeof time?.updated === "number" ? time.updated : 0,
        file,
      });
    }
  }
  return found;
}

/** What the session files look like now: names, sizes and change times. */
function fingerprint(sessions: Legacy[]): string {
  const hash = createHash("sha256");
  for (const s of sessions) {
    const stat = statSync(s.file, { throwIfNoEntry: false });
    hash.update(`${s.file}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}\n`);
  }
  return hash.digest("hex");
}

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([opencode, ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

/** Session id -> its time_updated in OpenCode's database (created by this call if absent). */
async function databaseSessions(): Promise<Map<string, number>> {
  const res = await run(["db", "--pure", "select id, time_updated from session", "--format", "json"], workspace);
  if (res.code !== 0) throw new Error(`opencode db failed: ${res.err.trim().split("\n").pop() ?? res.code}`);
  const rows = JSON.parse(res.out || "[]") as { id: string; time_updated: number }[];
  return new Map(rows.map((r) => [r.id, Number(r.time_updated) || 0]));
}

/** The session as `opencode export` writes it: its info, and each message with its parts. */
function exportDocument(session: Legacy): Json {
  const info = readJson(session.file);
  if (!info) throw new Error(`${session.file} is not a JSON object`);
  const messages = list(join(storage, "message", session.id))
    .filter((name) => name.endsWith(".json"))
    .map((name) => readJson(join(storage, "message", session.id, name)))
    .filter((m): m is Json => typeof m?.id === "string")
    .map((message) => ({
      info: message,
      parts: list(join(storage, "part", message.id as string))
        .filter((name) => name.endsWith(".json"))
        .map((name) => readJson(join(storage, "part", message.id as string, name)))
        .filter((p): p is Json => p !== null),
    }));
  return { info, messages };
}

/**
 * `opencode import` files the session under the project of the directory it runs in, so it
 * runs in the session's own directory when that still exists.
 */
async function importOne(session: Legacy, scratch: string): Promise<string | null> {
  try {
    const file = join(scratch, `${session.id}.json`);
    writeFileSync(file, JSON.stringify(exportDocument(session)));
    const cwd = isDirectory(session.directory) ? (session.directory as string) : workspace;
    // --pure: without the plugins, which have nothing to do with an import and take a while to load.
    const res = await run(["import", "--pure", file], cwd);
    if (res.code === 0 && res.out.includes(session.id)) return null;
    return (res.err || res.out).trim().split("\n").slice(-1)[0] || `exit code ${res.code}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function main(): Promise<number> {
  const sessions = legacySessions();
  if (sessions.length === 0) return 0;
  const print = fingerprint(sessions);
  const marker = readJson(join(dataDir, MARKER));
  if (marker?.fingerprint === print) return 0;

  const known = await databaseSessions();
  const todo = sessions.filter((s) => (known.get(s.id) ?? -1) < s.updated);
  log(`${sessions.length} session(s) in OpenCode 1.1's files, ${todo.length} to import into ${join(dataDir, "opencode.db")}`);
  const scratch = mkdtempSync(join(tmpdir(), "stack-import-"));
  const failed: string[] = [];
  try {
    let next = 0;
    let finished = 0;
    const worker = async () => {
      for (let session = todo[next++]; session; session = todo[next++]) {
        const error = await importOne(session, scratch);
        if (error) {
          failed.push(session.id);
          log(`could not import session ${session.id}: ${error}`);
        }
        // A long import says how far it got, so the container's log explains a slow start.
        if (++finished % 25 === 0 && finished < todo.length) log(`${finished} of ${todo.length} done`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failed.length > 0) {
    log(`${failed.length} of ${todo.length} session(s) were not imported; they stay in ${storage} and are tried again at the next start`);
    return 1;
  }
  writeFileSync(join(dataDir, MARKER), `${JSON.stringify({ fingerprint: print, sessions: sessions.length, at: new Date().toISOString() })}\n`);
  if (todo.length > 0) log(`imported ${todo.length} session(s)`);
  return 0;
}

if (existsSync(storage)) {
  process.exitCode = await main().catch((err) => {
    log(`could not import the sessions of OpenCode 1.1: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  });
}
