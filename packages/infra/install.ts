/**
 * What the project needs on the machine, installed when it is missing: on Debian as root with
 * apt-get; anywhere else a stop with the exact command to run.
 */

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

export async function which(name: string): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat([
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/bin",
  ]);
  for (const dir of dirs) {
    if (dir && await exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

export function isRoot(): boolean {
  return Deno.uid() === 0;
}

async function isDebian(): Promise<boolean> {
  return await exists("/etc/debian_version") && await which("apt-get") !== undefined;
}

/**
 * Installs Debian packages when possible (Debian, as root); otherwise stops with the exact
 * command to run, and `alternative` when there is one.
 */
export async function aptInstall(
  packages: string[],
  what: string,
  alternative?: string,
): Promise<void> {
  const command = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  if (!(await isDebian()) || !isRoot()) {
    const run = isRoot() || !(await isDebian()) ? command : `sudo sh -c '${command}'`;
    throw new Error(
      `${what} is not installed. Install it with: ${run}${alternative ? ` (${alternative})` : ""}`,
    );
  }
  console.error(`[infra] ${what} is missing; installing: ${command}`);
  for (const args of [["update"], ["install", "-y", ...packages]]) {
    const out = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `apt-get ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
      );
    }
  }
}

/**
 * The path of a command the project needs, installed from Debian's `aptPackage` when it is
 * missing (or an error with the exact command to install it).
 */
export async function requireCommand(
  name: string,
  aptPackage: string,
  alternative?: string,
): Promise<string> {
  const found = await which(name);
  if (found) return found;
  await aptInstall([aptPackage], name, alternative);
  const installed = await which(name);
  if (!installed) throw new Error(`${name} still not found after installing ${aptPackage}`);
  return installed;
}

/** Debian's Chromium for the browser tests (never a browser download). */
export function chromiumBinary(): Promise<string> {
  return requireCommand("chromium", "chromium");
}
