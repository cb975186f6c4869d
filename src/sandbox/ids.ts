// Identifier and name generators that mimic the shapes Dokploy produces, so
// clients that (wrongly) assume a format fail here as they would for real.

// nanoid's default URL-safe alphabet: real ids may contain "_" and "-".
const NANOID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

function randomFrom(alphabet: string, size: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** 21-character nanoid, like every Dokploy primary key. */
export function nanoid(): string {
  // 64-symbol alphabet and `& 63` keep the distribution uniform, as nanoid does.
  const bytes = crypto.getRandomValues(new Uint8Array(21));
  let out = "";
  for (const b of bytes) out += NANOID_ALPHABET[b & 63];
  return out;
}

/** A Swarm object id: 25 characters of [a-z0-9], as `docker service create` prints. */
export function swarmId(): string {
  return randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", 25);
}

/** `generatePassword(6)` in Dokploy's templates: the suffix appended to appName. */
export function appNameSuffix(): string {
  return randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", 6);
}

// faker's English "hacker" word lists, which Dokploy uses when appName is omitted.
const HACKER_VERBS = [
  "back up",
  "bypass",
  "hack",
  "override",
  "compress",
  "copy",
  "navigate",
  "index",
  "connect",
  "generate",
  "quantify",
  "calculate",
  "synthesize",
  "input",
  "transmit",
  "program",
  "reboot",
  "parse",
];
const HACKER_ADJECTIVES = [
  "auxiliary",
  "primary",
  "back-end",
  "digital",
  "open-source",
  "virtual",
  "cross-platform",
  "redundant",
  "online",
  "haptic",
  "multi-byte",
  "bluetooth",
  "wireless",
  "1080p",
  "neural",
  "optical",
  "solid state",
  "mobile",
];
const HACKER_NOUNS = [
  "driver",
  "protocol",
  "bandwidth",
  "panel",
  "microchip",
  "program",
  "port",
  "card",
  "array",
  "interface",
  "system",
  "sensor",
  "firewall",
  "hard drive",
  "pixel",
  "alarm",
  "feed",
  "monitor",
  "application",
  "transmitter",
  "bus",
  "circuit",
  "capacitor",
  "matrix",
];

function pick(words: string[]): string {
  const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
  return (words[random % words.length] ?? "").replace(/ /g, "-");
}

/** `generateAppName("app")`: app-<verb>-<adjective>-<noun>-<6 chars, no zero>. */
export function generateAppName(type = "app"): string {
  const suffix = randomFrom("abcdefghijklmnopqrstuvwxyz123456789", 6);
  return `${type}-${pick(HACKER_VERBS)}-${pick(HACKER_ADJECTIVES)}-${pick(HACKER_NOUNS)}-${suffix}`;
}

/** `buildAppName`: a given name is trimmed, spaces become "-", lowercased, then suffixed. */
export function buildAppName(base?: string): string {
  if (base) return `${base.trim().replace(/ /g, "-").toLowerCase()}-${appNameSuffix()}`;
  return generateAppName("app");
}

export function nowIso(): string {
  return new Date().toISOString();
}
