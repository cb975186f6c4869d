import { isIPv4, isIPv6 } from "node:net";

/**
 * The network a client address belongs to, for per-client budgets. An IPv4 address is its
 * own budget; an IPv6 client usually holds a whole /64 (often more), so keying on the full
 * address would hand it 2^64 budgets: it is keyed by its first `prefixBits` bits instead.
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 client it stands for.
 */
export function budgetKeyOf(address: string, prefixBits: number): string {
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  const masked = groups.map((group, i) => {
    const keep = Math.min(16, Math.max(0, prefixBits - i * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(":")}/${prefixBits}`;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing IPv4 part and a zone allowed). */
function ipv6Groups(address: string): number[] | null {
  const bare = address.split("%")[0] ?? "";
  const [head = "", tail] = bare.split("::");
  const parse = (part: string): number[] => {
    if (part === "") return [];
    return part.split(":").flatMap((piece) => {
      if (!isIPv4(piece)) return [Number.parseInt(piece, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
