import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureChromium, findChromium, INSTALL_HINT, type Installer, NoBrowser } from "../../scripts/chromium.ts";

// How `npm test` finds the browser on a fresh machine: real files in a temporary folder stand in
// for the machine's, and a recording script stands in for apt-get.

const root = mkdtempSync(join(tmpdir(), "chromium-lookup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function executableAt(path: string, body = "#!/bin/sh\nexit 0\n"): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

function dir(name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

const nowhere = [join(root, "no/usr/bin/chromium")];

describe("finding Chromium", () => {
  test("CHROMIUM_PATH wins, and a wrong one is an error naming it", () => {
    const chosen = executableAt(join(root, "chosen/chrome"));
    const debian = executableAt(join(root, "debian/chromium"));
    expect(findChromium({ env: { CHROMIUM_PATH: chosen }, fixedPaths: [debian] })).toBe(chosen);
    expect(() => findChromium({ env: { CHROMIUM_PATH: join(root, "missing") }, fixedPaths: [debian] })).toThrow(/CHROMIUM_PATH=.*missing/);
  });

  test("then Debian's path, then chromium-browser, then google-chrome on PATH", () => {
    const debian = executableAt(join(root, "order/usr/bin/chromium"));
    const bin = dir("order/bin");
    const browser = executableAt(join(bin, "chromium-browser"));
    const google = executableAt(join(bin, "google-chrome"));
    expect(findChromium({ env: { PATH: bin }, fixedPaths: [debian] })).toBe(debian);
    expect(findChromium({ env: { PATH: bin }, fixedPaths: nowhere })).toBe(browser);
    rmSync(browser);
    expect(findChromium({ env: { PATH: bin }, fixedPaths: nowhere })).toBe(google);
    rmSync(google);
    expect(findChromium({ env: { PATH: bin }, fixedPaths: nowhere })).toBeNull();
  });

  test("a file that is not executable does not count", () => {
    const bin = dir("plain/bin");
    writeFileSync(join(bin, "google-chrome"), "not a program");
    expect(findChromium({ env: { PATH: bin }, fixedPaths: nowhere })).toBeNull();
  });
});

describe("installing it where the machine can", () => {
  const silent: Pick<Installer, "log"> = { log: () => {} };

  test("without root or apt-get: one line saying what to run, nothing installed", () => {
    const apt = executableAt(join(root, "noroot/apt-get"), `#!/bin/sh\necho "$@" >> ${join(root, "noroot/calls")}\n`);
    const lookup = { env: { PATH: dir("noroot/empty") }, fixedPaths: nowhere };
    expect(() => ensureChromium(lookup, { aptGet: apt, isRoot: false, ...silent })).toThrow(new NoBrowser(INSTALL_HINT));
    expect(() => ensureChromium(lookup, { aptGet: null, isRoot: true, ...silent })).toThrow(new NoBrowser(INSTALL_HINT));
    expect(() => readFileSync(join(root, "noroot/calls"))).toThrow();
    expect(INSTALL_HINT).toContain("apt-get install -y chromium");
  });

  test("as root with apt-get: Debian's chromium package, said on the log, then found", () => {
    const bin = dir("fresh/bin");
    const calls = join(root, "fresh/calls");
    // The stand-in apt-get records its arguments and, on install, puts a browser on PATH.
    const apt = executableAt(
      join(root, "fresh/apt-get"),
      `#!/bin/sh\necho "$DEBIAN_FRONTEND $@" >> ${calls}\ncase "$1" in install) printf '#!/bin/sh\\n' > ${bin}/chromium-browser; /bin/chmod +x ${bin}/chromium-browser;; esac\n`,
    );
    const lines: string[] = [];
    const path = ensureChromium({ env: { PATH: bin }, fixedPaths: nowhere }, { aptGet: apt, isRoot: true, log: (l) => lines.push(l) });
    expect(path).toBe(join(bin, "chromium-browser"));
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual([
      "noninteractive update -qq",
      "noninteractive install -y -qq --no-install-recommends chromium",
    ]);
    expect(lines[0]).toContain("installing Debian's chromium package");
  });

  test("a failing apt-get is reported with its exit code", () => {
    const apt = executableAt(join(root, "broken/apt-get"), "#!/bin/sh\necho 'E: Unable to locate package chromium' >&2\nexit 100\n");
    const lookup = { env: { PATH: dir("broken/bin") }, fixedPaths: nowhere };
    expect(() => ensureChromium(lookup, { aptGet: apt, isRoot: true, ...silent })).toThrow(/exit 100.*Unable to locate package chromium/);
  });
});
