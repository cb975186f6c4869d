import { describe, expect, test } from "bun:test";
import { atHost, expandProbeTargets, withoutHost } from "../../src/stacks/probe/targets.ts";

const vars = { host: "alice.stacks.example.com", appName: "opencode-alice", port: 8080 };

describe("expandProbeTargets", () => {
  test("the portal's default spec", () => {
    expect(expandProbeTargets("https://{host}/,http://{host}/,http://{appName}:{port}/", vars)).toEqual([
      { url: "https://alice.stacks.example.com/" },
      { url: "http://alice.stacks.example.com/" },
      { url: "http://opencode-alice:8080/" },
    ]);
  });

  test("URL followed by a Host-header template (sandbox / tests)", () => {
    expect(expandProbeTargets("http://127.0.0.1:4010/ {host}", vars)).toEqual([
      { url: "http://127.0.0.1:4010/", hostHeader: "alice.stacks.example.com" },
    ]);
    expect(expandProbeTargets("https://127.0.0.1/health\t {appName}:{port}", vars)).toEqual([
      { url: "https://127.0.0.1/health", hostHeader: "opencode-alice:8080" },
    ]);
  });

  test("mixed entries keep their order and only the ones with a Host template get one", () => {
    const targets = expandProbeTargets("http://127.0.0.1:4010/ {host}, http://{appName}:{port}/", vars);
    expect(targets).toEqual([{ url: "http://127.0.0.1:4010/", hostHeader: "alice.stacks.example.com" }, { url: "http://opencode-alice:8080/" }]);
    expect("hostHeader" in targets[1]!).toBe(false);
  });

  test("trims entries and skips empty ones", () => {
    expect(expandProbeTargets("  , http://{host}/ ,, \n https://{host}/ ,", vars)).toEqual([
      { url: "http://alice.stacks.example.com/" },
      { url: "https://alice.stacks.example.com/" },
    ]);
    expect(expandProbeTargets("", vars)).toEqual([]);
    expect(expandProbeTargets(" , ,", vars)).toEqual([]);
  });

  test("URLs are normalised; path and query are kept", () => {
    expect(expandProbeTargets("HTTP://{host}:{port}", vars)).toEqual([{ url: "http://alice.stacks.example.com:8080/" }]);
    expect(expandProbeTargets("http://{host}/global/health?x={appName}", vars)).toEqual([
      { url: "http://alice.stacks.example.com/global/health?x=opencode-alice" },
    ]);
  });

  test("values are inserted literally, not re-expanded", () => {
    expect(expandProbeTargets("http://x.example/{appName}", { ...vars, appName: "$&{host}" })).toEqual([{ url: "http://x.example/$&%7Bhost%7D" }]);
  });

  test("rejects entries that are not http(s)", () => {
    expect(() => expandProbeTargets("ftp://{host}/", vars)).toThrow(/ftp:\/\/\{host\}\/.*http:\/\/ or https:\/\//);
    expect(() => expandProbeTargets("http://{host}/,file:///etc/passwd", vars)).toThrow(/http:\/\/ or https:\/\//);
    expect(() => expandProbeTargets("{host}", vars)).toThrow(/not a valid URL/);
    expect(() => expandProbeTargets("//{host}/", vars)).toThrow(/not a valid URL/);
    expect(() => expandProbeTargets("http:///", vars)).toThrow(Error);
  });

  test("rejects unknown placeholders, extra words and bad Host headers", () => {
    expect(() => expandProbeTargets("http://{hostname}/", vars)).toThrow(/unknown placeholder \{hostname\}/);
    expect(() => expandProbeTargets("http://127.0.0.1/ {host} extra", vars)).toThrow(/expected "<url> \[host-header\]"/);
    expect(() => expandProbeTargets("http://127.0.0.1/ {host}/path", vars)).toThrow(/Host header/);
    expect(() => expandProbeTargets("http://127.0.0.1/ {nope}", vars)).toThrow(/unknown placeholder/);
    expect(() => expandProbeTargets("http://127.0.0.1/ {host}", { ...vars, host: "a b" })).toThrow(/Host header/);
  });

  test("a stack without a domain is probed by the entries without {host}; a claim by those with it", () => {
    const spec = "https://{host}/,http://{host}/, http://{appName}:{port}/";
    expect(withoutHost(spec)).toBe(" http://{appName}:{port}/");
    expect(withoutHost("http://127.0.0.1:4000/ {host}")).toBe("");
    expect(atHost(spec)).toBe("https://{host}/,http://{host}/");
    // No entry names the public address: all of them.
    expect(atHost("http://tasks.{appName}:{port}/")).toBe("http://tasks.{appName}:{port}/");
  });
});
