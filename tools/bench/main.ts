/** `deno task bench <name> [args]`: runs tools/bench/<name>.ts. */
const [name, ...rest] = Deno.args;
const available: string[] = [];
for await (const entry of Deno.readDir(new URL(".", import.meta.url))) {
  if (entry.isFile && entry.name.endsWith(".ts") && entry.name !== "main.ts") {
    available.push(entry.name.replace(/\.ts$/, ""));
  }
}
available.sort();
if (!name || !available.includes(name)) {
  console.error(`usage: deno task bench <${available.join("|")}> [args]`);
  Deno.exit(2);
}
const status = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL(`${name}.ts`, import.meta.url).pathname, ...rest],
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
Deno.exit(status.code);
