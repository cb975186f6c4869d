import type { z } from "zod";
import { LARGE_SCHEMAS, type LargeSchema } from "./large-schemas.ts";
import { type ParseResult, type ResponseParser, parseWith } from "./parse.ts";

/**
 * Parses large answers in a worker thread. project.all at 10,000 stacks is about 4 MB of
 * JSON: parsing and validating it takes 20-50 ms, during which the portal would answer
 * nothing. Small answers are parsed inline, where a worker round trip would cost more.
 */

const INLINE_BELOW = 256 * 1024;

type Pending = (result: ParseResult<unknown>) => void;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL("./parse-worker.ts", import.meta.url).href);
  w.onmessage = (event: MessageEvent<{ id: number; result: ParseResult<unknown> }>) => {
    pending.get(event.data.id)?.(event.data.result);
    pending.delete(event.data.id);
  };
  w.onerror = () => {
    // A broken worker fails its pending parses; the next call starts a new one.
    for (const resolve of pending.values()) resolve({ ok: false, problem: "the parse worker failed" });
    pending.clear();
    w.terminate();
    if (worker === w) worker = null;
  };
  // An idle worker must not keep the process alive.
  (w as Worker & { unref(): void }).unref();
  worker = w;
  return w;
}

export function offThread<K extends LargeSchema>(schema: K): ResponseParser<z.output<(typeof LARGE_SCHEMAS)[K]>> {
  type T = z.output<(typeof LARGE_SCHEMAS)[K]>;
  return {
    parse(text) {
      if (text.length < INLINE_BELOW) return parseWith(LARGE_SCHEMAS[schema], text) as ParseResult<T>;
      const id = nextId++;
      return new Promise<ParseResult<T>>((resolve) => {
        pending.set(id, resolve as Pending);
        getWorker().postMessage({ id, schema, text });
      });
    },
  };
}
