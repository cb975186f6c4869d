// The text a failed drizzle query surfaces (docs/dokploy.md §3: domain.create with an
// unknown applicationId answers with the raw "Failed query: ..." message).

function param(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function failedInsertMessage(table: string, row: Record<string, unknown>): string {
  const columns = Object.keys(row);
  const cols = columns.map((c) => `"${c}"`).join(", ");
  const placeholders = columns.map((_, i) => `$${i + 1}`).join(", ");
  const params = Object.values(row).map(param).join(",");
  return `Failed query: insert into "${table}" (${cols}) values (${placeholders}) returning ${cols}\nparams: ${params}`;
}

export function failedUpdateMessage(table: string, set: Record<string, unknown>, keyColumn: string, key: string): string {
  const columns = Object.keys(set);
  const assignments = columns.map((c, i) => `"${c}" = $${i + 1}`).join(", ");
  const params = [...Object.values(set), key].map(param).join(",");
  return `Failed query: update "${table}" set ${assignments} where "${table}"."${keyColumn}" = $${columns.length + 1}\nparams: ${params}`;
}
