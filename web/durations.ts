import { lang } from "./i18n.ts";

/** Rounded durations for people: a wait to respect, a typical time to expect. */

const unit = (value: number, u: "second" | "minute" | "hour") =>
  new Intl.NumberFormat(lang(), { style: "unit", unit: u, unitDisplay: "long" }).format(value);

/** A wait from Retry-After, rounded up so that trying again then works: "8 minutes". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return unit(s, "second");
  if (s < 90 * 60) return unit(Math.ceil(s / 60), "minute");
  return unit(Math.ceil(s / 3600), "hour");
}

/** A typical duration, rounded to what "about" can honestly mean: 45 seconds, 2 minutes. */
export function formatAbout(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 10) return unit(s, "second");
  if (s < 60) return unit(Math.round(s / 5) * 5, "second");
  return unit(Math.max(1, Math.round(s / 60)), "minute");
}
