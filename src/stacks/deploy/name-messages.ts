/** Why a name cannot be deployed, in words for people (the page has its own catalogs). */
export function messageFor(code: string, name: string): string {
  switch (code) {
    case "too_short":
      return "The name needs at least 3 characters";
    case "too_long":
      return "The name can have at most 32 characters";
    case "invalid_characters":
      return "Use only lowercase letters a-z, digits and hyphens";
    case "must_start_with_letter":
      return "The name must start with a letter";
    case "invalid_end":
      return "The name must end with a letter or a digit";
    case "consecutive_hyphens":
      return "The name cannot contain two hyphens in a row";
    case "reserved":
      return `"${name}" is reserved`;
    case "taken":
      return `"${name}" is already taken`;
    case "capacity_reached":
      return "The portal is at its stack limit";
    case "recently_deleted":
      return `"${name}" was deleted recently and is held for its previous owner`;
    default:
      return code;
  }
}
