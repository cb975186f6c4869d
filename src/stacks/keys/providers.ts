import { z } from "zod";

/**
 * The model providers whose API key an owner may give their stack: those OpenCode reads from
 * the environment (its models.dev catalog names the variable). A key set here goes to the
 * stack's environment in Dokploy only; OpenCode then offers that provider's models, on the
 * owner's account.
 */
export const MODEL_PROVIDERS = [
  { id: "anthropic", name: "Anthropic", envVar: "ANTHROPIC_API_KEY" },
  { id: "openai", name: "OpenAI", envVar: "OPENAI_API_KEY" },
  { id: "openrouter", name: "OpenRouter", envVar: "OPENROUTER_API_KEY" },
  { id: "google", name: "Google Gemini", envVar: "GOOGLE_GENERATIVE_AI_API_KEY" },
  { id: "groq", name: "Groq", envVar: "GROQ_API_KEY" },
  { id: "mistral", name: "Mistral", envVar: "MISTRAL_API_KEY" },
  { id: "deepseek", name: "DeepSeek", envVar: "DEEPSEEK_API_KEY" },
  { id: "xai", name: "xAI", envVar: "XAI_API_KEY" },
] as const;

export type ModelProviderId = (typeof MODEL_PROVIDERS)[number]["id"];
export const modelProviderId = z.enum(MODEL_PROVIDERS.map((p) => p.id) as [ModelProviderId, ...ModelProviderId[]]);

/**
 * An API key as providers issue them: printable, without spaces, quotes, `$`, `#` or `\`. The
 * stack's environment is dotenv text that Dokploy parses and interpolates (`${{…}}`, which
 * cannot be escaped), so anything else could break the stack's deploy or smuggle in a line.
 */
export const apiKey = z
  .string()
  .min(8, "an API key has at least 8 characters")
  .max(512, "an API key has at most 512 characters")
  .regex(/^[A-Za-z0-9._~+/=:@%^*!?,;-]+$/, "an API key has letters, digits and - _ . ~ + / = : @ only, no spaces or quotes");

/** Only the end of a key is ever shown again. */
export const lastFour = (key: string) => key.slice(-4);
