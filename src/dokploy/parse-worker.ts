import { LARGE_SCHEMAS, type LargeSchema } from "./large-schemas.ts";
import { parseWith } from "./parse.ts";

/** Worker: JSON.parse and zod validation of large Dokploy answers, away from the server's thread. */
declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; schema: LargeSchema; text: string }>) => {
  const { id, schema, text } = event.data;
  self.postMessage({ id, result: parseWith(LARGE_SCHEMAS[schema], text) });
};
