/**
 * A pooled stack's name until a deploy takes it: `pool--` and ten random base-36 characters.
 * Owners' names never hold "--" (model/names.ts), so no owner's stack, project or volume can
 * ever carry one, and none can be asked for on the page.
 */
export function newPoolName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `pool--${Array.from(bytes, (b) => (b % 36).toString(36)).join("")}`;
}
