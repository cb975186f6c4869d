import { ProcError } from "../errors.ts";
import { buildMount } from "../rows.ts";
import { SERVICE_TYPES, schemas } from "../validation.ts";
import { errorMessage, mutation, query, type Procedure } from "./define.ts";
import { failedInsertMessage } from "./pg.ts";

export const mountProcedures: Procedure[] = [
  mutation("mounts.create", schemas.mountCreate, (ctx, input) => {
    try {
      const row = buildMount(input);
      // No existence check up front: the FK catches an unknown service. The sandbox only has applications.
      const fkFails = input.serviceType !== undefined && (input.serviceType !== "application" || !ctx.db.applications.has(input.serviceId));
      if (fkFails) throw new Error(failedInsertMessage("mount", { ...row }));
      ctx.db.mounts.set(row.mountId, row);
      return row;
    } catch (err) {
      throw new ProcError("BAD_REQUEST", `Error ${errorMessage(err)}`);
    }
  }),

  mutation("mounts.remove", schemas.mountRemove, (ctx, input) => {
    const row = ctx.db.mounts.get(input.mountId);
    if (!row) throw new ProcError("NOT_FOUND", "Mount not found");
    // The Docker volume stays; a running service keeps the mount until its next deploy.
    ctx.db.mounts.delete(input.mountId);
    return row;
  }),

  query("mounts.listByServiceId", schemas.mountList, (ctx, input) => {
    if (input.serviceType === "application") {
      if (!ctx.db.applications.has(input.serviceId)) throw new ProcError("NOT_FOUND", "Application not found");
      return ctx.db.mountsOf(input.serviceId);
    }
    if ((SERVICE_TYPES as readonly string[]).includes(input.serviceType)) {
      // The sandbox has no databases or compose services.
      const label = input.serviceType.charAt(0).toUpperCase() + input.serviceType.slice(1);
      throw new ProcError("NOT_FOUND", `${label} not found`);
    }
    throw new ProcError("UNAUTHORIZED", "You are not authorized to access this service or it does not exist");
  }),
];
