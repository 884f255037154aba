/** The workers' side of the source: runs units of work as they come, a few at once. */

/**
 * Takes units from `next` and runs them, at most `concurrency` at once; resolves once `next`
 * has run dry and every unit started has finished.
 */
export async function dispatch<U>(
  next: () => Promise<U | undefined>,
  run: (unit: U) => Promise<void>,
  concurrency: number,
): Promise<void> {
  const running = new Set<Promise<void>>();
  while (true) {
    const unit = await next();
    if (unit === undefined) break;
    const p = run(unit).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
}
