/**
 * Every link in a built book, checked offline: relative links must name a file in the book and, with
 * a #fragment, an element with that id in it; http(s) and mailto links are outside the book and are
 * not fetched (tests run offline). Used by runner-book.test.ts and the browser test.
 */
import * as fs from "fs";
import * as path from "path";

function htmlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? htmlFiles(path.join(dir, e.name)) : e.name.endsWith(".html") ? [path.join(dir, e.name)] : []));
}

const ids = new Map<string, Set<string>>();
function idsOf(file: string): Set<string> {
  if (!ids.has(file)) ids.set(file, new Set([...fs.readFileSync(file, "utf8").matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  return ids.get(file)!;
}

/** Links (href and src) of every page in `dir` that do not resolve; "page: href (why)". */
export function brokenLinks(dir: string): { checked: number; broken: string[] } {
  ids.clear();
  const broken: string[] = [];
  let checked = 0;
  for (const file of htmlFiles(dir)) {
    const html = fs.readFileSync(file, "utf8");
    // Links in the page's markup (not inside scripts: figure specs carry their own strings).
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, (s) => s.slice(0, s.indexOf(">") + 1));
    for (const m of markup.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const href = m[1].replace(/&amp;/g, "&");
      if (/^(https?:|mailto:|data:)/i.test(href)) continue;
      checked++;
      const [target, frag] = href.split("#", 2) as [string, string | undefined];
      const where = `${path.relative(dir, file)}: ${href}`;
      const dest = target ? path.resolve(path.dirname(file), decodeURIComponent(target)) : file;
      if (!dest.startsWith(dir)) broken.push(`${where} (leaves the book folder)`);
      else if (!fs.existsSync(dest) || fs.statSync(dest).isDirectory()) broken.push(`${where} (no such file in the book)`);
      else if (frag && dest.endsWith(".html") && !idsOf(dest).has(decodeURIComponent(frag))) broken.push(`${where} (no id "${decodeURIComponent(frag)}" there)`);
    }
  }
  return { checked, broken };
}
