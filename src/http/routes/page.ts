import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

/** The page (a placeholder until the real one lands). */
export function pageRoutes(opts: { mode: "dokploy" | "sandbox" }) {
  return new Hono<AppEnv>().get("/", (c) =>
    c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AI Stack Deployer</title></head><body><h1>AI Stack Deployer</h1>${
        opts.mode === "sandbox" ? "<p>Sandbox mode</p>" : ""
      }</body></html>`,
    ),
  );
}
