/** Time as core sees it; tests substitute their own. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Alibaba's timestamp format: ISO 8601 UTC to the minute, e.g. 2026-11-23T05:52Z. */
export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}
