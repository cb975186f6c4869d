import { schemas } from "../validation.ts";
import { mutation, queryNoInput, type Procedure } from "./define.ts";

export const DOKPLOY_VERSION = "v0.30.2";

export const settingsProcedures: Procedure[] = [
  queryNoInput("settings.health", () => ({ status: "ok" })),
  queryNoInput("settings.getDokployVersion", () => DOKPLOY_VERSION),
  // readConfig("middlewares"): the file's text, or null when there is none.
  queryNoInput("settings.readMiddlewareTraefikConfig", (ctx) => ctx.stacks.middlewareFile),
  // writeConfig("middlewares", …): written as given; Traefik's file provider reloads it.
  mutation("settings.updateMiddlewareTraefikConfig", schemas.traefikConfig, (ctx, input) => {
    ctx.stacks.middlewareFile = input.traefikConfig;
    return true;
  }),
];
