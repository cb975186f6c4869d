import { NAME_MAX, checkName } from "../model/names.ts";

/**
 * A first stack's suggested name from the person's username: `Oussama.Douhou` becomes
 * `oussama-douhou`. Accents are dropped (é -> e), every other run of characters outside
 * a-z and 0-9 becomes one hyphen. Null when nothing valid comes out; the suggestion is
 * still checked like any typed name (reserved, taken) before a deploy.
 */
export function suggestName(username: string | null, reserved: readonly string[] = []): string | null {
  if (!username) return null;
  const ascii = username
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const name = ascii
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, NAME_MAX)
    .replace(/-+$/, "");
  return checkName(name, reserved).valid ? name : null;
}
