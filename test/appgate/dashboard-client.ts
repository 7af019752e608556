import { expect } from 'vitest';
import type { ActiveSessionsDashboard } from '../../src/views/dashboard.js';

export interface DashboardAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** GET a dashboard path of a running exporter, e.g. `/stats/active-sessions/dashboard?target=ob`. */
export async function getDashboard(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<DashboardAnswer> {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** The dashboard of a 200 answer; fails with the answer's error otherwise. */
export async function dashboardOf(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<ActiveSessionsDashboard> {
  const answer = await getDashboard(baseUrl, path, headers);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as ActiveSessionsDashboard;
}

/** An Appgate error answer: the status and `{id, message}` with nothing else. */
export function expectAppgateError(answer: DashboardAnswer, status: number, id: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ id, message: expect.any(String) });
}

/** Retries `check` until it passes or the time is up (its last failure is then thrown). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
