/**
 * The architecture's import rules, checked on the source (part of `deno task check`):
 * - a service never imports another service;
 * - nothing under services/ or packages/ imports tools/ or tests/;
 * - outside a package (packages/<name>, services/<name>), its files are reached only by its
 *   name (`@flotilla/<name>`), never by a relative path;
 * - only test code (`*_test.ts`, `testing.ts`, `testdata/`) imports the test kit;
 * - no file names a path outside the repository (the team's reference folder is not part
 *   of the product).
 */

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bnew URL\(\s*)(["'`])([^"'`\n]+)\2/g;
const OUTSIDE_NAME = /["'`](?:\.\.\/)+shared\//;

/** `services/orders`, `packages/backbone`, `tools`, `tests`, or undefined (root files). */
export function unitOf(path: string): string | undefined {
  const parts = path.split("/");
  if ((parts[0] === "services" || parts[0] === "packages") && parts.length > 2) {
    return `${parts[0]}/${parts[1]}`;
  }
  if (parts[0] === "tools" || parts[0] === "tests") return parts[0];
  return undefined;
}

export function isTestCode(path: string): boolean {
  return /_test\.tsx?$/.test(path) || /(^|\/)testing\.tsx?$/.test(path) ||
    path.includes("/testdata/");
}

function normalize(parts: string[]): string[] | undefined {
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (out.length === 0) return undefined; // above the root
      out.pop();
    } else out.push(p);
  }
  return out;
}

/** The rules for one file's text; `path` is relative to the repository root. */
export function checkFile(path: string, text: string, serviceNames: Set<string>): Violation[] {
  const found: Violation[] = [];
  const from = unitOf(path);
  const fromService = from?.startsWith("services/") ? from.slice("services/".length) : undefined;
  const lines = text.split("\n");
  lines.forEach((lineText, index) => {
    const line = index + 1;
    const add = (specifier: string, rule: string) =>
      found.push({ file: path, line, specifier, rule });
    if (OUTSIDE_NAME.test(lineText)) add(lineText.trim(), "names a path outside the repository");
    for (const m of lineText.matchAll(SPECIFIER)) {
      const spec = m[3];
      // A URL names a file to read or run, not a module: only where it points is checked.
      const isUrl = m[1].startsWith("new URL");
      if (spec.startsWith("@flotilla/") && !isUrl) {
        const name = spec.slice("@flotilla/".length).split("/")[0];
        if (fromService && serviceNames.has(name) && name !== fromService) {
          add(spec, "a service imports another service");
        }
        if (
          name === "testkit" && from !== "packages/testkit" && from !== "tests" &&
          from !== "tools" && !isTestCode(path)
        ) {
          add(spec, "code that is not a test imports the test kit");
        }
        continue;
      }
      if (!spec.startsWith(".")) continue;
      const dir = path.split("/").slice(0, -1);
      const target = normalize([...dir, ...spec.split("/")]);
      if (!target) {
        add(spec, "names a path outside the repository");
        continue;
      }
      if (isUrl) continue;
      const targetPath = target.join("/");
      const to = unitOf(targetPath);
      if (to === from) continue;
      if ((to === "tools" || to === "tests") && from !== "tools" && from !== "tests") {
        add(spec, `${from ?? "a root file"} imports ${to}/`);
      } else if (to?.startsWith("services/") && fromService && to !== from) {
        add(spec, "a service imports another service");
      } else if (to?.startsWith("services/") || to?.startsWith("packages/")) {
        add(spec, `a relative path into ${to}: import it by its name`);
      }
    }
  });
  return found;
}

async function* sourceFiles(root: string, dir = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${root}/${dir}`)) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    if (entry.isDirectory) yield* sourceFiles(root, path);
    else if (/\.(ts|tsx)$/.test(entry.name)) yield path;
  }
}

/** Every violation in the tree below `root`. */
export async function findViolations(root: string): Promise<Violation[]> {
  const services = new Set<string>();
  try {
    for await (const entry of Deno.readDir(`${root}/services`)) {
      if (entry.isDirectory) services.add(entry.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const found: Violation[] = [];
  for await (const path of sourceFiles(root)) {
    found.push(...checkFile(path, await Deno.readTextFile(`${root}/${path}`), services));
  }
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const found = await findViolations(root);
  for (const v of found) console.error(`${v.file}:${v.line}: ${v.rule} (${v.specifier})`);
  if (found.length > 0) {
    console.error(`${found.length} import rule violation(s)`);
    Deno.exit(1);
  }
  console.error("imports: every rule holds");
}
