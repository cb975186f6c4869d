import * as api from "./api.ts";
import * as store from "./store.ts";

/** GET /api/info into the store (its subscribers draw again); a failed fetch keeps what was there. */
export async function loadInfo(): Promise<void> {
  const res = await api.info();
  if (res.ok) store.set("portalInfo", res.value);
}
