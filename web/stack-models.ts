import { h } from "./dom.ts";
import { type Key, t } from "./i18n.ts";
import type { ModelKeys, OfferedModels } from "./stack-api.ts";

/**
 * "Model per agent" on the "Your stack" view, below the keys: for each agent of the image a
 * choice among the models the stack's OpenCode offers now (the free ones, and those of the
 * owner's keys), or its free default; one Save applies the changes with a restart.
 */

const ROLE: Record<string, Key> = {
  main: "agent.main",
  architecture: "agent.architecture",
  documentation: "agent.documentation",
  search: "agent.search",
  tasks: "agent.tasks",
  frontend: "agent.frontend",
  writing: "agent.writing",
};

/** The selects and Save; `save` gets only what changed (null: back to the free default). */
export function modelItems(
  keys: ModelKeys | null,
  offered: OfferedModels | null,
  enabled: boolean,
  save: (changes: Record<string, string | null>) => void,
): HTMLElement[] {
  if (!keys || !offered) return [];
  const selects = keys.agents.map((a) => {
    const id = `stack-model-${a.id}`;
    const select = h("select", { id, class: "input", "data-agent-model": a.id }, h("option", { value: "" }, t("keys.model_default")));
    const models = [...offered.models];
    // A model chosen before that the stack no longer offers (its key removed) stays visible as chosen.
    if (a.model && !models.some((m) => m.id === a.model)) models.unshift({ id: a.model, name: a.model, provider: "" });
    for (const m of models) select.append(h("option", { value: m.id, dir: "ltr" }, m.provider ? `${m.provider}: ${m.name}` : m.name));
    select.value = a.model ?? "";
    select.disabled = !enabled;
    const role = ROLE[a.role];
    return {
      agent: a,
      select,
      item: h("li", { class: "stack-model", "data-agent": a.id }, h("label", { for: id }, role ? t(role) : a.id), " ", select),
    };
  });
  const button = h("button", { type: "button", class: "button button--small", "data-action": "models-save" }, t("keys.models_save"));
  button.disabled = !enabled;
  button.addEventListener("click", () => {
    const changes: Record<string, string | null> = {};
    for (const { agent, select } of selects) if (select.value !== (agent.model ?? "")) changes[agent.id] = select.value || null;
    if (Object.keys(changes).length) save(changes);
  });
  return [...selects.map((s) => s.item), h("li", { class: "actions" }, button)];
}
