// Shared helpers of the stack-image tests: paths, a JSONC reader and a small Dockerfile
// parser. No network, no Docker.
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "..", "..");
export const IMAGE_DIR = join(REPO_ROOT, "stack-image");
export const CONFIG_DIR = join(IMAGE_DIR, "config");
export const WORKFLOW_FILE = join(REPO_ROOT, ".gitea", "workflows", "stack-image.yml");

export async function readText(path: string): Promise<string> {
  return await Bun.file(path).text();
}

/**
 * Removes `//` and `/* *\/` comments and trailing commas from JSONC text, leaving
 * everything inside string literals untouched (so `"https://x"` keeps its `//`).
 * Newlines inside block comments are kept, so error positions stay meaningful.
 */
export function stripJsonc(text: string): string {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (ch === "/" && next === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (ch === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) throw new SyntaxError("unterminated block comment");
      out += text.slice(i, end + 2).replace(/[^\n]/g, "");
      i = end + 2;
    } else {
      out += ch;
      i++;
    }
  }
  return removeTrailingCommas(out);
}

/** Just past the string literal that opens at `start`, honouring backslash escapes. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length && text[j] !== '"') {
    if (text[j] === "\\") j++;
    j++;
  }
  return j + 1;
}

function removeTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (ch === ",") {
      let j = i + 1;
      while (j < n && /\s/.test(text[j]!)) j++;
      if (text[j] === "}" || text[j] === "]") {
        i++;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

/** Parses JSONC with our own stripper (and JSON.parse, which is strict). */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonc(text));
}

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Splits a Dockerfile into instructions: continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split("\n");
  const result: Instruction[] = [];
  let current = "";
  let start = 0;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const trimmed = raw.trim();
    // Comment lines are dropped, also in the middle of a continued instruction.
    if (trimmed.startsWith("#")) continue;
    if (current === "" && trimmed === "") continue;
    if (current === "") start = index + 1;
    if (trimmed.endsWith("\\")) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    const match = /^(\S+)\s*(.*)$/s.exec(current.trim());
    if (match) result.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start });
    current = "";
  }
  if (current.trim() !== "") throw new SyntaxError("Dockerfile ends inside a continued line");
  return result;
}

/** The default value of `ARG NAME=value` (quotes removed), or undefined. */
export function argDefault(instructions: Instruction[], name: string): string | undefined {
  for (const ins of instructions) {
    if (ins.keyword !== "ARG") continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args);
    if (match && match[1] === name) return match[2]?.replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

export interface CopySpec {
  sources: string[];
  dest: string;
  from?: string;
  line: number;
}

/** The COPY/ADD instructions, with flags (--chown, --from, ...) separated out. */
export function copyInstructions(instructions: Instruction[]): CopySpec[] {
  const specs: CopySpec[] = [];
  for (const ins of instructions) {
    if (ins.keyword !== "COPY" && ins.keyword !== "ADD") continue;
    let rest = ins.args;
    let from: string | undefined;
    for (;;) {
      const flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
      if (!flag) break;
      if (flag[1] === "from") from = flag[2];
      rest = rest.slice(flag[0].length);
    }
    const parts: string[] = rest.startsWith("[") ? JSON.parse(rest) : rest.split(/\s+/);
    specs.push({ sources: parts.slice(0, -1), dest: parts[parts.length - 1]!, from, line: ins.line });
  }
  return specs;
}

/**
 * Whether `path` (relative to the build context) is sent to the builder under these
 * .dockerignore patterns: the last matching pattern decides, `!` re-includes, and a
 * pattern that matches a parent directory matches everything below it.
 */
export function includedByDockerignore(patterns: string[], path: string): boolean {
  const segments = path.split("/");
  const ancestors = segments.map((_, index) => segments.slice(0, index + 1).join("/"));
  let included = true;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "") continue;
    const glob = new Bun.Glob(pattern);
    if (ancestors.some((candidate) => glob.match(candidate))) included = negated;
  }
  return included;
}
