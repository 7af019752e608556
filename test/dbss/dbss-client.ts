import { expect } from 'vitest';
import type { DbAccountSessionItem, DbClientSessionItem } from '../../src/views/distribution.js';

export interface DbssAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface StatisticsRequest {
  /** Names the target (DBSS project_id). */
  readonly project: string;
  /** Names the tenant (DBSS instance_id). */
  readonly instance: string;
  readonly kind?: 'db-client' | 'db-account';
  /** JSON-encoded unless `raw` is given. */
  readonly body?: unknown;
  readonly raw?: string;
  readonly token?: string;
  readonly contentType?: string;
  /** e.g. `/targets/ob` to go through the per-target mount. */
  readonly prefix?: string;
  readonly method?: string;
}

/** POSTs a DBSS statistics request to a running exporter. */
export async function postStatistics(baseUrl: string, request: StatisticsRequest): Promise<DbssAnswer> {
  const path = `${request.prefix ?? ''}/v1/${encodeURIComponent(request.project)}/audit/${encodeURIComponent(request.instance)}/statistics/session/${request.kind ?? 'db-client'}`;
  const headers: Record<string, string> = { 'content-type': request.contentType ?? 'application/json' };
  if (request.token !== undefined) headers['x-auth-token'] = request.token;
  const method = request.method ?? 'POST';
  const body = method === 'GET' ? undefined : (request.raw ?? JSON.stringify(request.body ?? {}));
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') === true;
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}

/** The items of a 200 answer; fails with the answer's error otherwise. */
export async function clientItems(baseUrl: string, request: StatisticsRequest): Promise<DbClientSessionItem[]> {
  const answer = await postStatistics(baseUrl, { ...request, kind: 'db-client' });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as DbClientSessionItem[];
}

export async function accountItems(baseUrl: string, request: StatisticsRequest): Promise<DbAccountSessionItem[]> {
  const answer = await postStatistics(baseUrl, { ...request, kind: 'db-account' });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as DbAccountSessionItem[];
}

/** A DBSS error answer: status, code, and the code and message repeated in `details`. */
export function expectDbssError(answer: DbssAnswer, status: number, code: string, message: RegExp): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const body = answer.body as { error_msg: string };
  expect(body).toEqual({
    error_code: code,
    error_msg: expect.any(String),
    details: [{ error_code: code, error_msg: body.error_msg }],
    encoded_authorization_message: null,
  });
  expect(body.error_msg).toMatch(message);
}

/** A window between two instants, as DBSS's start_time/end_time in ISO 8601 with milliseconds. */
export function between(from: number, to: number): { time: { start_time: string; end_time: string } } {
  return { time: { start_time: new Date(from).toISOString(), end_time: new Date(to).toISOString() } };
}

/** Items as compact strings, order kept: `16 shop 10.0.0.1`. */
export function summary(items: ReadonlyArray<DbClientSessionItem | DbAccountSessionItem>): string[] {
  return items.map((item) => {
    const who = 'db_user' in item ? item.db_user : item.db_ip;
    return `${item.session_num} ${item.db_id ?? '-'} ${item.db_name ?? '-'} ${who}`;
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
