/**
 * The gate's own pages (STACK_SSO): shown on a stack's host instead of OpenCode, so they are
 * self-contained (no portal scripts or styles) and in the browser's language.
 */

type Lang = "en" | "nl" | "ar";
export type GatePage = "forbidden" | "ticket_invalid" | "unavailable";

const TEXT: Record<Lang, Record<GatePage | "title" | "back", string>> = {
  en: {
    title: "AI Stack Deployer",
    forbidden: "You are signed in, but this stack belongs to someone else. Ask its owner, or open your own stack from the portal.",
    ticket_invalid: "This sign-in link has already been used or has expired. Open the stack again from the portal.",
    unavailable: "This stack cannot be opened right now. Try again in a minute.",
    back: "Go to the portal",
  },
  nl: {
    title: "AI Stack Deployer",
    forbidden: "Je bent ingelogd, maar deze stack is van iemand anders. Vraag het de eigenaar, of open je eigen stack vanuit het portaal.",
    ticket_invalid: "Deze inloglink is al gebruikt of verlopen. Open de stack opnieuw vanuit het portaal.",
    unavailable: "Deze stack kan nu niet geopend worden. Probeer het over een minuut opnieuw.",
    back: "Naar het portaal",
  },
  ar: {
    title: "AI Stack Deployer",
    forbidden: "لقد سجّلت الدخول، لكن هذه الحزمة تخص شخصًا آخر. اسأل مالكها، أو افتح حزمتك من البوابة.",
    ticket_invalid: "رابط الدخول هذا استُخدم من قبل أو انتهت صلاحيته. افتح الحزمة مرة أخرى من البوابة.",
    unavailable: "لا يمكن فتح هذه الحزمة الآن. حاول مرة أخرى بعد دقيقة.",
    back: "الذهاب إلى البوابة",
  },
};

/** The first of en, nl, ar the browser asks for (by quality), else English. */
export function gateLang(acceptLanguage: string | undefined): Lang {
  const wanted = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", q] = part.trim().split(";q=");
      return { lang: tag.toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), i };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) if (w.lang === "en" || w.lang === "nl" || w.lang === "ar") return w.lang;
  return "en";
}

const html = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function gatePage(page: GatePage, acceptLanguage: string | undefined, portalUrl: string): string {
  const lang = gateLang(acceptLanguage);
  const t = TEXT[lang];
  return `<!doctype html>
<html lang="${lang}" dir="${lang === "ar" ? "rtl" : "ltr"}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(t.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}a{color:#0b57d0}</style></head>
<body><main><h1>${html(t.title)}</h1><p data-gate="${page}">${html(t[page])}</p><p><a href="${html(portalUrl)}/">${html(t.back)}</a></p></main></body></html>
`;
}
