/**
 * `deno task compile [service…]`: builds each service into one binary under dist/ with
 * `deno compile` (migrations embedded). deno compile downloads its runtime the first time; on
 * a machine without that access use the container build (Dockerfile), which does the same.
 */
import { services } from "./services.ts";

const root = new URL("..", import.meta.url).pathname;
const wanted = Deno.args.length > 0 ? Deno.args : services.map((s) => s.name);
let failed = 0;
for (const s of services.filter((s) => wanted.includes(s.name))) {
  const exists = await Deno.stat(`${root}${s.main}`).then(() => true, () => false);
  if (!exists) continue;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", "--include", "migrations", "--output", `dist/${s.name}`, s.main],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (out.success) console.log(`built dist/${s.name}`);
  else {
    failed++;
    console.error(
      `deno compile failed for ${s.name} (no access to the Deno runtime download? use the Dockerfile)`,
    );
  }
}
Deno.exit(failed > 0 ? 1 : 0);
