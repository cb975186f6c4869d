import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Management tokens and stack passwords: generated here, stored only as hashes (tokens). */

export function newManagementToken(): string {
  return `mt_${randomBytes(32).toString("base64url")}`;
}

/**
 * The stack's OPENCODE_SERVER_PASSWORD. Alphanumeric only: it goes into dotenv text where
 * Dokploy interpolates `${{...}}` (unescapable) and `#` or quotes would change parsing.
 */
export function newStackPassword(length = 24): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length) && out.length < length) out.push(alphabet.charAt(byte % alphabet.length));
    }
  }
  return out.join("");
}

/** Tokens are 256 random bits, so a fast hash is enough; no salt needed. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets of any length. */
export function secretEquals(given: string, expected: string): boolean {
  return tokenMatches(given, hashToken(expected));
}

/**
 * Seals a value with a key derived from a client-held secret (an Idempotency-Key), so the
 * database alone cannot read it. AES-256-GCM; output is base64url(iv | tag | ciphertext).
 */
export function sealWith(secret: string, plaintext: string): string {
  const key = createHash("sha256").update(`seal:${secret}`).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function openWith(secret: string, sealed: string): string | null {
  try {
    const raw = Buffer.from(sealed, "base64url");
    const key = createHash("sha256").update(`seal:${secret}`).digest();
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
