/** Coercions of SQL row values: NULLs become "" or 0 (clarification 5), never "null" or NaN. */

export function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

export function integer(value: unknown): number {
  const number = Number(value ?? 0);
  return Number.isFinite(number) ? Math.trunc(number) : 0;
}

export function finiteNumber(value: unknown): number {
  const number = Number(value ?? 0);
  return Number.isFinite(number) ? number : 0;
}

export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
