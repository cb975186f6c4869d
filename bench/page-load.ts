/**
 * 6. page load: the bytes a real Chromium receives for the page (HTML, script, stylesheet),
 * on a first load with an empty cache and on a repeat load (reload), measured by the browser
 * itself (DevTools' encodedDataLength: headers and body as they came off the wire). Side by
 * side in one run: the same browser forbidden any content coding (Accept-Encoding: identity).
 */
import { chromium } from "playwright-core";
import { findChromium, INSTALL_HINT } from "../scripts/chromium.ts";
import { CHROMIUM_ARGS } from "../test/browser/support.ts";
import { runBench } from "./lib/bench.ts";
import { portalEnv, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { figure, type TargetResult, verdict } from "./lib/report.ts";
import { r } from "./lib/stats.ts";

const BENCH = "page-load";

interface Load {
  bytes: number;
  requests: number;
  encodings: string[];
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const executablePath = findChromium({ env: process.env });
    if (!executablePath) throw new Error(INSTALL_HINT);
    const sandbox = await startSandboxProcess();
    const data = tempDir("bench-page-");
    defer(data.remove);
    const portal = await startPortalProcess(portalEnv(sandbox.url, data.path));
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    defer(() => browser.close());

    /** A first load then a reload in one fresh context; what crossed the wire for each. */
    const measure = async (identity: boolean): Promise<{ first: Load; repeat: Load }> => {
      const context = await browser.newContext(identity ? { extraHTTPHeaders: { "accept-encoding": "identity" } } : {});
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      let current: Load = { bytes: 0, requests: 0, encodings: [] };
      const encodingOf = new Map<string, string>();
      // The status on the wire (a revalidation's 304 is reported to the page as the cached 200).
      const wireStatus = new Map<string, number>();
      cdp.on("Network.responseReceivedExtraInfo", (e) => wireStatus.set(e.requestId, e.statusCode));
      const cached = new Set<string>();
      cdp.on("Network.requestServedFromCache", (e) => cached.add(e.requestId));
      cdp.on("Network.responseReceived", (e) => {
        const headers = e.response.headers as Record<string, string>;
        const coding = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-encoding")?.[1];
        const from = e.response.fromDiskCache ? "cache" : String(e.response.status);
        encodingOf.set(e.requestId, `${new URL(e.response.url).pathname}:${from}:${coding ?? "none"}`);
      });
      cdp.on("Network.loadingFinished", (e) => {
        current.bytes += e.encodedDataLength;
        current.requests++;
        // Labelled last: the extra-info and cache events may come after responseReceived.
        const [path, status, coding] = (encodingOf.get(e.requestId) ?? "?:?:?").split(":");
        const from = cached.has(e.requestId) ? "cache" : (wireStatus.get(e.requestId) ?? status);
        current.encodings.push(`${path}:${from}:${coding}`);
      });
      await page.goto(`${portal.url}/`, { waitUntil: "networkidle" });
      const first = current;
      current = { bytes: 0, requests: 0, encodings: [] };
      await page.reload({ waitUntil: "networkidle" });
      const repeat = current;
      await context.close();
      return { first, repeat };
    };

    const plain = await measure(true);
    const compressed = await measure(false);
    for (const [name, m] of Object.entries({ identity: plain, compressed })) {
      figure(BENCH, { figure: "first load", variant: name, bytes: m.first.bytes, requests: m.first.requests, responses: m.first.encodings });
      figure(BENCH, { figure: "repeat load", variant: name, bytes: m.repeat.bytes, requests: m.repeat.requests, responses: m.repeat.encodings });
    }
    const kib = (n: number) => `${r(n / 1024, 1)} KiB`;
    const ratio = r(compressed.first.bytes / plain.first.bytes, 3);
    const targets: TargetResult[] = [
      {
        // The page and its assets; the API's small JSON answers (/api/me) are not worth compressing.
        target: "first load compressed (the page and its assets each have a content coding)",
        value: kib(compressed.first.bytes),
        verdict: verdict(compressed.first.encodings.filter((e) => !e.startsWith("/api/")).every((e) => !e.endsWith(":none"))),
        note: `${compressed.first.requests} responses: ${compressed.first.encodings.join(", ")}`,
      },
      { target: "first load, compressed ÷ identity", value: ratio, verdict: "n/a", note: `identity ${kib(plain.first.bytes)}` },
      {
        target: "repeat load: only the page is revalidated (304), the versioned assets come from the cache",
        value: kib(compressed.repeat.bytes),
        verdict: verdict(
          compressed.repeat.encodings.filter((e) => e.startsWith("/:304:")).length === 1 &&
            compressed.repeat.encodings.filter((e) => e.startsWith("/assets/")).every((e) => e.includes(":cache:")),
        ),
        note: `${compressed.repeat.requests} responses: ${compressed.repeat.encodings.join(", ")}`,
      },
    ];
    return {
      targets,
      figures: {
        first_compressed_bytes: compressed.first.bytes,
        first_identity_bytes: plain.first.bytes,
        repeat_compressed_bytes: compressed.repeat.bytes,
        repeat_identity_bytes: plain.repeat.bytes,
        ratio,
      },
      notes: ["bytes are DevTools' encodedDataLength (headers included) in Debian's Chromium, loopback"],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
