import { projectList } from "./schemas.ts";

/** Schemas of answers that grow with the number of stacks, parsed off the main thread. */
export const LARGE_SCHEMAS = { projectList } as const;
export type LargeSchema = keyof typeof LARGE_SCHEMAS;
