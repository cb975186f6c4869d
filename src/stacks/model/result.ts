/**
 * What a use case answers: a plain value, or a refusal with a stable code and a message for
 * people. The HTTP layer maps the codes to statuses; nothing here knows about HTTP.
 */

export type Problem = { ok: false; code: string; message: string };
export type Result<T> = ({ ok: true } & T) | Problem;

export const fail = (code: string, message: string): Problem => ({ ok: false, code, message });
