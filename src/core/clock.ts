/** Time as core sees it; tests substitute their own. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const minutesFormatted = new Map<number, string>();

/**
 * Alibaba's timestamp format: ISO 8601 UTC to the minute, e.g. 2026-11-23T05:52Z. Remembered per
 * minute: every instance shape has two, and formatting a Date costs more than the rest of a shape.
 */
export function isoMinute(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  let text = minutesFormatted.get(minute);
  if (text === undefined) {
    if (minutesFormatted.size >= 10_000) minutesFormatted.clear();
    text = new Date(minute * 60_000).toISOString().slice(0, 16) + 'Z';
    minutesFormatted.set(minute, text);
  }
  return text;
}
