import { ProcError } from "../errors.ts";
import { schemas } from "../validation.ts";
import { errorMessage, query, type Procedure } from "./define.ts";
import { environmentByProjectItem, environmentDetail } from "./views.ts";

export const environmentProcedures: Procedure[] = [
  query("environment.one", schemas.environmentOne, (ctx, input) => {
    const env = ctx.db.environments.get(input.environmentId);
    if (!env) throw new ProcError("NOT_FOUND", "Environment not found");
    return environmentDetail(ctx, env);
  }),

  query("environment.byProjectId", schemas.environmentByProject, (ctx, input) => {
    try {
      // An unknown project is simply an empty list, not a 404. Ascending createdAt = insertion order.
      return ctx.db.environmentsOf(input.projectId).map((env) => environmentByProjectItem(ctx, env));
    } catch (err) {
      throw new ProcError("BAD_REQUEST", `Error fetching environments: ${errorMessage(err)}`);
    }
  }),
];
