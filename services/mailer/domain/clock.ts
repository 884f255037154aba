/** Time, injected: the service uses the system clock, tests move a clock of their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
