import type { Logger } from "../log.ts";

/** Per-request values set by middleware and read by handlers. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    client: string;
  };
};
