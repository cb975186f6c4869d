/**
 * Dokploy's deploy log marks steps with emoji (✅ done, ❌ failed, ⚠️ …), which a machine without
 * an emoji font (Debian's Chromium, say) draws as empty boxes. They are shown as marks every
 * monospace font has.
 */
const MARKS: [RegExp, string][] = [
  [/\u2705/g, "✓"],
  [/[\u274c\u274e]/g, "✗"],
  [/\u26a0\ufe0f?/g, "!"],
];

export function readableLog(lines: readonly string[]): string {
  let text = lines.join("\n");
  for (const [emoji, mark] of MARKS) text = text.replace(emoji, mark);
  return text;
}
