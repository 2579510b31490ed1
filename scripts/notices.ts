import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface PackageInfo {
  name: string;
  version: string;
  license?: string;
}

/**
 * The licence texts of the bundled packages: their code ships inside lanes' own files, so their notices
 * must ship beside it (MIT and Apache-2.0 ask for that).
 */
export function thirdPartyNotices(root: string, folders: string[]): string {
  const sections = folders.map((folder) => {
    const dir = join(root, folder);
    const info = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageInfo;
    const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8").trim() : "";
    return `## ${info.name} ${info.version} (${info.license ?? "see package"})\n\n${text || "No licence file shipped."}\n`;
  });
  const unique = [...new Set(sections)];
  return `# Third-party notices\n\nlanes' bundle (dist/) contains code from these packages.\n\n${unique.join("\n")}`;
}
