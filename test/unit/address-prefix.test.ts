import { describe, expect, test } from "bun:test";
import { budgetKeyOf } from "../../src/http/address-prefix.ts";

describe("budgetKeyOf: whose budget an address spends", () => {
  test("an IPv4 address is its own", () => {
    expect(budgetKeyOf("198.51.100.7", 64)).toBe("198.51.100.7");
    expect(budgetKeyOf("198.51.100.8", 64)).not.toBe(budgetKeyOf("198.51.100.7", 64));
  });

  test("IPv6 addresses in one /64 share, in the next /64 do not, however they are written", () => {
    const one = budgetKeyOf("2001:db8:1:2::a", 64);
    expect(one).toBe("2001:db8:1:2:0:0:0:0/64");
    expect(budgetKeyOf("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", 64)).toBe(one);
    expect(budgetKeyOf("2001:DB8:1:2:1:2:3:4", 64)).toBe(one);
    expect(budgetKeyOf("2001:db8:1:2::1.2.3.4", 64)).toBe(one);
    expect(budgetKeyOf("2001:db8:1:3::a", 64)).not.toBe(one);
  });

  test("the prefix is the operator's: /48, /56 and a full /128", () => {
    expect(budgetKeyOf("2001:db8:1:ff::1", 48)).toBe(budgetKeyOf("2001:db8:1:2::1", 48));
    expect(budgetKeyOf("2001:db8:1:ff::1", 56)).toBe("2001:db8:1:0:0:0:0:0/56");
    expect(budgetKeyOf("2001:db8:1:1ff::1", 56)).toBe("2001:db8:1:100:0:0:0:0/56");
    expect(budgetKeyOf("2001:db8::1", 128)).not.toBe(budgetKeyOf("2001:db8::2", 128));
  });

  test("loopback, a zone and an IPv4-mapped address", () => {
    expect(budgetKeyOf("::1", 64)).toBe("0:0:0:0:0:0:0:0/64");
    expect(budgetKeyOf("fe80::1%eth0", 64)).toBe(budgetKeyOf("fe80::2", 64));
    expect(budgetKeyOf("::ffff:198.51.100.7", 64)).toBe("198.51.100.7");
  });

  test("what is not an address is left as it is", () => {
    expect(budgetKeyOf("unknown", 64)).toBe("unknown");
  });
});
