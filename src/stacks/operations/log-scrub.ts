/**
 * Dokploy's deploy log, made fit for the stack's owner: the last lines only, terminal colour
 * codes dropped, and anything that looks like a secret replaced. Known secret values go
 * first (the stack password, the registry password); then patterns, for secrets we were
 * never told about (a token in an image URL, an Authorization header, KEY=value lines).
 */

const REDACTED = "[REDACTED]";
const MAX_LINE = 300;

const PATTERNS: [RegExp, string][] = [
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
  // Authorization: Bearer xyz / Basic xyz
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // PASSWORD=..., api_key: ..., "token": "..."
  [
    /\b([A-Za-z0-9_]*(?:password|passwd|secret|token|api[_-]?key|credential|private[_-]?key)[A-Za-z0-9_]*)("?\s*[:=]\s*"?)[^\s"',;]+/gi,
    `$1$2${REDACTED}`,
  ],
  // The portal's own management tokens, wherever they appear.
  [/\bmt_[A-Za-z0-9_-]{16,}/g, REDACTED],
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is removed
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function scrubLogTail(text: string, secrets: (string | null | undefined)[], lines: number): string[] {
  const known = secrets.filter((s): s is string => typeof s === "string" && s.length >= 6);
  const tail = text
    .replace(ANSI, "")
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .slice(-lines);
  return tail.map((line) => {
    let out = known.reduce((acc, secret) => acc.split(secret).join(REDACTED), line);
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE)}…` : out;
  });
}
