import { h } from "./dom.ts";
import { type Key, formatDateTime, lang, t } from "./i18n.ts";
import type { StackBackups } from "./stack-api.ts";

/**
 * "Backups" on the "Your stack" view, for its owner where the portal keeps backups: each file
 * of the stack's volumes (newest first) with its time, which volume, its size, and Restore.
 */

const VOLUME: Record<string, Key> = { workspace: "restore.volume_workspace", data: "restore.volume_data" };

const size = (bytes: number) =>
  new Intl.NumberFormat(
    lang(),
    bytes >= 1e6 ? { style: "unit", unit: "megabyte", maximumFractionDigits: 1 } : { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 },
  ).format(bytes >= 1e6 ? bytes / 1e6 : Math.max(1, bytes / 1e3));

export function backupItems(backups: StackBackups | null, enabled: boolean, restore: (file: string) => void): HTMLElement[] {
  return (backups?.files ?? []).map((f) => {
    const button = h("button", { type: "button", class: "button button--small", "data-action": "restore-backup" }, t("restore.button"));
    button.disabled = !enabled;
    button.addEventListener("click", () => restore(f.file));
    const volume = VOLUME[f.volume];
    return h(
      "li",
      { class: "stack-backup", "data-file": f.file, "data-volume": f.volume, "data-safety": String(f.safety) },
      h("time", { datetime: f.at }, formatDateTime(Date.parse(f.at))),
      " · ",
      h("span", {}, volume ? t(volume) : f.volume),
      " · ",
      h("span", { class: "hint" }, size(f.sizeBytes)),
      f.safety ? h("span", { class: "badge" }, t("restore.safety")) : null,
      " ",
      button,
    );
  });
}
