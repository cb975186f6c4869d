/**
 * A stack's management token for the "Your stack" view: in this tab only (sessionStorage)
 * unless the person chose "remember on this device", then in localStorage until "Forget".
 */

const KEY = "asd.stack-token.";

function storage(kind: "local" | "session"): Storage | null {
  try {
    return kind === "local" ? localStorage : sessionStorage;
  } catch {
    return null; // storage disabled: the token lives as long as the view
  }
}

export function tokenFor(name: string): string | null {
  for (const kind of ["session", "local"] as const) {
    try {
      const value = storage(kind)?.getItem(KEY + name);
      if (value) return value;
    } catch {
      // unreadable: as if absent
    }
  }
  return null;
}

export function isRemembered(name: string): boolean {
  try {
    return Boolean(storage("local")?.getItem(KEY + name));
  } catch {
    return false;
  }
}

/** The stacks whose token this device remembers, by name. */
export function rememberedStacks(): string[] {
  const local = storage("local");
  if (!local) return [];
  const names: string[] = [];
  try {
    for (let i = 0; i < local.length; i++) {
      const key = local.key(i);
      const name = key?.startsWith(KEY) ? key.slice(KEY.length) : null;
      if (name && stackFromHash(stackHash(name))) names.push(name);
    }
  } catch {
    // unreadable: none
  }
  return names.sort();
}

export function keepToken(name: string, token: string, remember: boolean): void {
  forgetToken(name);
  try {
    storage(remember ? "local" : "session")?.setItem(KEY + name, token);
  } catch {
    // Not kept: the view asks again after a reload.
  }
}

export function forgetToken(name: string): void {
  for (const kind of ["session", "local"] as const) {
    try {
      storage(kind)?.removeItem(KEY + name);
    } catch {
      // nothing to forget
    }
  }
}

/** The view's address: `#stack=<name>`, so a reload or a bookmark opens it again. */
export function stackFromHash(hash: string): string | null {
  const match = /^#stack=([a-z0-9-]{1,64})$/.exec(hash);
  return match?.[1] ?? null;
}

export const stackHash = (name: string): string => `#stack=${name}`;
