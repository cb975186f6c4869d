import { queryNoInput, type Procedure } from "./define.ts";

export const DOKPLOY_VERSION = "v0.30.2";

export const settingsProcedures: Procedure[] = [
  queryNoInput("settings.health", () => ({ status: "ok" })),
  queryNoInput("settings.getDokployVersion", () => DOKPLOY_VERSION),
];
