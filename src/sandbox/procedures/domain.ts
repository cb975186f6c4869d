import { ProcError } from "../errors.ts";
import { buildDomain, type DomainRow } from "../rows.ts";
import type { TraefikRouter } from "../stacks.ts";
import { schemas } from "../validation.ts";
import { errorMessage, mutation, query, type Procedure } from "./define.ts";
import { failedInsertMessage } from "./pg.ts";

function routerFor(d: DomainRow): TraefikRouter {
  return {
    domainId: d.domainId,
    host: d.host,
    path: d.path,
    port: d.port,
    https: d.https,
    stripPath: d.stripPath,
    internalPath: d.internalPath,
    uniqueConfigKey: d.uniqueConfigKey,
    middlewares: d.middlewares ?? [],
  };
}

export const domainProcedures: Procedure[] = [
  mutation("domain.create", schemas.domainCreate, (ctx, input) => {
    try {
      // The serial is consumed before the insert can fail.
      const row = buildDomain(input, ctx.db.nextDomainKey());
      if (row.port !== null && !Number.isInteger(row.port)) {
        throw new Error(`invalid input syntax for type integer: "${row.port}"`);
      }
      const fkFails =
        (row.applicationId !== null && !ctx.db.applications.has(row.applicationId)) || row.composeId !== null || row.previewDeploymentId !== null;
      if (fkFails) throw new Error(failedInsertMessage("domain", { ...row }));
      ctx.db.domains.set(row.domainId, row);
      const app = row.applicationId ? ctx.db.applications.get(row.applicationId) : undefined;
      // The Traefik file is written at once, deployed or not; a disabled domain would get no router.
      if (app && row.enabled) ctx.stacks.addRouter(app.appName, routerFor(row));
      return row;
    } catch (err) {
      // routers/domain.ts rewraps every failure as 400 with the original message.
      throw new ProcError("BAD_REQUEST", errorMessage(err));
    }
  }),

  mutation("domain.update", schemas.domainUpdate, (ctx, input) => {
    const row = ctx.db.domains.get(input.domainId);
    if (!row) throw new ProcError("NOT_FOUND", "Domain not found");
    // updateDomainById sets exactly the fields sent, then manageDomain rewrites the router.
    const { domainId: _id, ...fields } = input;
    const updated = { ...row, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), host: input.host.trim() };
    ctx.db.domains.set(row.domainId, updated);
    const app = updated.applicationId ? ctx.db.applications.get(updated.applicationId) : undefined;
    if (app) {
      ctx.stacks.removeRouter(app.appName, row.domainId);
      if (updated.enabled) ctx.stacks.addRouter(app.appName, routerFor(updated));
    }
    return updated;
  }),

  mutation("domain.delete", schemas.domainId, (ctx, input) => {
    const row = ctx.db.domains.get(input.domainId);
    if (!row) throw new ProcError("NOT_FOUND", "Domain not found");
    const app = row.applicationId ? ctx.db.applications.get(row.applicationId) : undefined;
    if (app) ctx.stacks.removeRouter(app.appName, row.domainId);
    ctx.db.domains.delete(row.domainId);
    return row;
  }),

  query("domain.byApplicationId", schemas.applicationId, (ctx, input) => {
    // An unknown application gives [], not 404.
    const app = ctx.db.applications.get(input.applicationId);
    if (!app) return [];
    return ctx.db.domainsOf(app.applicationId).map((d) => ({
      ...d,
      application: { applicationId: app.applicationId, appName: app.appName, name: app.name },
    }));
  }),
];
