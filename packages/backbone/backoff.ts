/** Delay before the next delivery: exponential in the delivery count, with "equal jitter". */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/**
 * Half of the exponential step is fixed and half is random, so delays spread out across
 * replicas yet never shrink from one delivery to the next.
 */
export function backoffDelay(
  deliveryCount: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, deliveryCount - 1);
  const step = options.baseMs * 2 ** Math.min(exponent, 30);
  // Cap after the jitter, so that at the cap the delay stays at the cap instead of dropping.
  return Math.round(Math.min(options.maxMs, step / 2 + random() * (step / 2)));
}
