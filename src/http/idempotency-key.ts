/**
 * An Idempotency-Key is a bearer secret: whoever repeats it gets the first answer, the
 * stack's token and password included, and the stored answer is sealed with it. So it must
 * be unguessable: a UUID v4 (122 random bits) or at least 22 base64url characters (132
 * bits). The length and alphabet cannot prove randomness; a key with few distinct
 * characters (`aaaa…`, `0000…`) is refused as well, which a random one practically never is.
 */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]{22,200}$/;

export const IDEMPOTENCY_KEY_RULE =
  "Idempotency-Key must hold at least 128 random bits: a UUID v4 or at least 22 random base64url characters (A-Z, a-z, 0-9, - and _)";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isStrongIdempotencyKey(key: string): boolean {
  if (UUID_V4.test(key)) return new Set(key.replace(/-/g, "").toLowerCase()).size >= 8;
  // Other UUID versions hold a clock, a MAC address or a hash of a name: not secrets.
  if (UUID.test(key)) return false;
  return BASE64URL.test(key) && new Set(key).size >= 10;
}
