import { NAME_MAX, type NameProblem, checkName } from "./names.ts";

/**
 * Names to offer instead of one that is taken or breaks a rule, most alike first: `alice` taken
 * gives `alice-2`, `alice-3`, …; `Alice Smith!` gives `alice-smith`; `3d` gives `stack-3d`;
 * nothing usable gives `my-stack`. Pure: which of them are free is the caller's to find out.
 */

/** The typed text made into a valid name as far as it can be. */
function cleaned(raw: string): string {
  let name = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (/^[0-9]/.test(name)) name = `stack-${name}`;
  if (name === "") name = "my-stack";
  else if (name.length < 3) name = `${name}-stack`;
  return name.slice(0, NAME_MAX).replace(/-+$/, "");
}

/** `base-2` … `base-9`, shortened to fit NAME_MAX. */
function numbered(base: string): string[] {
  const stem = base.replace(/-\d+$/, "");
  return Array.from({ length: 8 }, (_, i) => {
    const suffix = `-${i + 2}`;
    return `${stem.slice(0, NAME_MAX - suffix.length).replace(/-+$/, "")}${suffix}`;
  });
}

export function nameCandidates(raw: string, reason: NameProblem | "taken" | "recently_deleted", reserved: readonly string[]): string[] {
  const base = reason === "taken" || reason === "recently_deleted" ? raw : cleaned(raw);
  const all = reason === "taken" || reason === "recently_deleted" ? numbered(base) : [base, ...numbered(base)];
  return [...new Set(all)].filter((name) => name !== raw && checkName(name, reserved).valid);
}
