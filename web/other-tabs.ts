/**
 * Tabs of this page in the same browser tell each other which deployments' login details
 * they hold (never the details themselves): a second tab opened on a deployment can then
 * say "they are shown in the tab where you started it" instead of "they are gone".
 */

type Message = { type: "ask"; id: string } | { type: "held"; id: string } | { type: "gone"; id: string };

let channel: BroadcastChannel | null = null;
let holds: (id: string) => boolean = () => false;
const heldElsewhere = new Set<string>();
let onChange: () => void = () => {};

export function initOtherTabs(isHeldHere: (id: string) => boolean, changed: () => void): void {
  holds = isHeldHere;
  onChange = changed;
  if (typeof BroadcastChannel === "undefined") return;
  channel = new BroadcastChannel("asd.secrets");
  channel.onmessage = (e: MessageEvent<Message>) => {
    const m = e.data;
    if (m?.type === "ask" && holds(m.id)) channel?.postMessage({ type: "held", id: m.id } satisfies Message);
    else if (m?.type === "held" && !heldElsewhere.has(m.id)) {
      heldElsewhere.add(m.id);
      onChange();
    } else if (m?.type === "gone" && heldElsewhere.delete(m.id)) onChange();
  };
}

/** Asks the other tabs about a deployment; the answer (if any) arrives through `changed`. */
export function askOtherTabs(id: string): void {
  heldElsewhere.delete(id);
  channel?.postMessage({ type: "ask", id } satisfies Message);
}

/** This tab no longer holds a deployment's details (confirmed saved, or the deploy failed). */
export function tellGone(id: string): void {
  channel?.postMessage({ type: "gone", id } satisfies Message);
}

export const isHeldElsewhere = (id: string): boolean => heldElsewhere.has(id);
