// Public entry of the sandbox Dokploy: an in-process fake of Dokploy v0.30.2
// (plus the Traefik/containers behind it) for development and tests.
export { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.ts";
export { startSandbox, type StartedSandbox } from "./server.ts";
export { REAL_DOKPLOY_CAPACITY, type SandboxSettings } from "./context.ts";
export type { Fault, FaultInput, FaultKind } from "./faults.ts";
export type { SandboxState, ServiceView } from "./state.ts";
export type { ServerLike } from "./transport.ts";
export { DOKPLOY_VERSION } from "./procedures/settings.ts";
