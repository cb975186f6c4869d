import { z } from "zod";

/**
 * Docker's image reference grammar (distribution/reference): `[host[:port]/]path[:tag][@digest]`.
 * An image string reaches Dokploy, Swarm and every stack of a rollout: anything outside the
 * grammar (a shell fragment, a second word) is refused where it comes in, with the rule it broke.
 */

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME = 255;

export const IMAGE_RULE = "an image reference is [registry-host[:port]/]path[:tag][@digest], e.g. registry.example.com:5000/team/stack:v2";

/** What is wrong with `ref` as an image reference, or null when it is one. */
export function imageReferenceProblem(ref: string): string | null {
  if (ref === "") return "the image reference is empty";
  if (!/^[\x21-\x7e]+$/.test(ref)) return "an image reference has no spaces, control or non-ASCII characters";
  const [rest = "", digest, extra] = ref.split("@");
  if (extra !== undefined) return "an image reference has at most one @digest";
  if (digest !== undefined && !DIGEST.test(digest)) return "the digest must be <algorithm>:<hex>, e.g. sha256: and 64 hex digits";
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  const hasTag = colon > slash;
  const name = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return "the tag must be 1 to 128 letters, digits, _, . or -, and not start with . or -";
  if (name === "") return "the image reference has no name";
  if (name.length > MAX_NAME) return `the image name is longer than ${MAX_NAME} characters`;
  const components = name.split("/");
  // As Docker reads it: a first component with a dot or a port, or "localhost", is the registry.
  const first = components[0] ?? "";
  if (components.length > 1 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase())) {
    if (!HOST.test(first)) return `the registry "${first}" is not a host name or [IPv6] address with an optional :port`;
    components.shift();
  }
  for (const component of components)
    if (!PATH_COMPONENT.test(component)) return `"${component}" is not a path component: lower-case letters and digits, joined by ., _, __ or -`;
  return null;
}

/** A zod string that must be an image reference; a failure carries the stable code `invalid_image`. */
export const imageReference = z.string().superRefine((ref, ctx) => {
  const problem = imageReferenceProblem(ref);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem} (${IMAGE_RULE})`, params: { code: "invalid_image" } });
});
