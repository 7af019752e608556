import { z } from 'zod';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Parses a Prometheus-style duration ("15s", "1h30m", "31d") into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit!] ?? 0);
  return total;
}

/** A config duration such as `15s`, `31d` or `1h30m`, parsed to (positive) milliseconds. */
export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration above zero such as 15s, 31d or 1h30m` });
    return z.NEVER;
  }
  return ms;
});
