import { ProcError } from "../errors.ts";
import { buildPort } from "../rows.ts";
import { schemas } from "../validation.ts";
import { mutation, type Procedure } from "./define.ts";

export const portProcedures: Procedure[] = [
  // Dokploy wraps every failure here (the access check on an unknown application, the FK) in one message.
  mutation("port.create", schemas.portCreate, (ctx, input) => {
    if (!ctx.db.applications.has(input.applicationId)) throw new ProcError("BAD_REQUEST", "Error input: Inserting port");
    const row = buildPort(input);
    ctx.db.ports.set(row.portId, row);
    return row;
  }),
];
