import { z } from "zod";

/**
 * Stack name rules. Pure: the same input always gives the same verdict, so the page, the
 * check endpoint and the deploy endpoint agree on every name.
 */

export const NAME_MIN = 3;
export const NAME_MAX = 32;

export const nameProblem = z.enum([
  "too_short",
  "too_long",
  "invalid_characters",
  "must_start_with_letter",
  "invalid_end",
  "consecutive_hyphens",
  "reserved",
]);
export type NameProblem = z.infer<typeof nameProblem>;

export type NameVerdict = { name: string; valid: true } | { name: string; valid: false; reason: NameProblem };

const ASCII = /^\p{ASCII}*$/u;
/** String.prototype.trim would also strip Unicode spaces (U+00A0, U+3000) and pass "alice\u00a0". */
const ASCII_SPACE_AT_ENDS = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/**
 * Trim and lowercase only. Anything else (unicode folding, stripping) would let two
 * different inputs claim one stack, or a homoglyph pass as a Latin name. Input with any
 * non-ASCII character is left as typed (ASCII spaces trimmed), because lowercasing maps some of it to
 * ASCII (the Kelvin sign K to "k"); the rules below then reject it as invalid_characters.
 */
export function normaliseName(raw: string): string {
  const trimmed = raw.replace(ASCII_SPACE_AT_ENDS, "");
  return ASCII.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}

/** Checks in a fixed order so a name always gets the same, most basic reason first. */
export function checkName(raw: string, reserved: readonly string[]): NameVerdict {
  const name = normaliseName(raw);
  const fail = (reason: NameProblem): NameVerdict => ({ name, valid: false, reason });
  if (name.length < NAME_MIN) return fail("too_short");
  if (name.length > NAME_MAX) return fail("too_long");
  if (!/^[a-z0-9-]+$/.test(name)) return fail("invalid_characters");
  if (!/^[a-z]/.test(name)) return fail("must_start_with_letter");
  if (!/[a-z0-9]$/.test(name)) return fail("invalid_end");
  // Also rules out punycode labels (xn--), which would render as another script.
  if (name.includes("--")) return fail("consecutive_hyphens");
  if (reserved.includes(name)) return fail("reserved");
  return { name, valid: true };
}
