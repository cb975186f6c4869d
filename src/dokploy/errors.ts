/**
 * The one error type every failed Dokploy call becomes. It carries what an operator needs
 * (procedure, HTTP status, Dokploy's code and message) and never the API key or a response
 * body: Dokploy's bodies can hold env values and registry passwords.
 */

export type DokployFailure =
  /** The key was refused: Dokploy's outer wrapper answered 401 `{"message":"Unauthorized"}`. */
  | "unauthorized"
  /** Dokploy answered and said no (4xx in tRPC shape, including 401 permission errors). */
  | "rejected"
  | "not_found"
  /** No answer we can use: network error, 5xx, unparseable response. */
  | "unavailable"
  | "timeout"
  /** The circuit breaker is open; the call was not sent. */
  | "circuit_open";

export class DokployError extends Error {
  override readonly name = "DokployError";
  constructor(
    readonly procedure: string,
    readonly failure: DokployFailure,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }

  /** Safe to log and to show operators. */
  toJSON() {
    return { procedure: this.procedure, failure: this.failure, status: this.status, code: this.code, message: this.message };
  }

  /** Worth retrying later: Dokploy did not say no, it just did not answer usefully. */
  get transient(): boolean {
    return this.failure === "unavailable" || this.failure === "timeout" || this.failure === "circuit_open";
  }
}

const MAX_MESSAGE = 300;

const SECRET_ASSIGNMENT = /\b([\w.-]*(?:password|passwd|secret|token|api[_-]?key|authorization)[\w.-]*)\s*[=:]\s*("[^"]*"|'[^']*'|\S+)/gi;

/**
 * Dokploy passes raw DB and shell errors through (e.g. `Failed query: insert ... params: ...`),
 * whose parameters can include env text with passwords. Keep the part before the parameters.
 */
export function sanitiseMessage(message: string): string {
  let text = message.split(/\n?\s*params:/i)[0] ?? "";
  text = text.replace(/\s+/g, " ").trim();
  // Shell and config errors can quote assignments: keep the name, drop the value.
  text = text.replace(SECRET_ASSIGNMENT, "$1=[REDACTED]");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
