import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildObshellHeader, nowSeconds } from '../support/obshell-client.js';

/** An answer in obshell's envelope, as a test reads it. */
export interface ObshellAnswer {
  readonly httpStatus: number;
  readonly body: Record<string, unknown> & {
    successful: boolean;
    status: number;
    traceId: string;
    data?: unknown;
    error?: { errCode: string; message: string };
  };
}

export async function getObshell(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<ObshellAnswer> {
  const response = await fetch(baseUrl + path, { headers });
  const text = await response.text();
  let body: ObshellAnswer['body'];
  try {
    body = JSON.parse(text) as ObshellAnswer['body'];
  } catch {
    throw new Error(`GET ${path}: ${response.status}, not JSON: ${text.slice(0, 200)}`);
  }
  // Every answer, success or failure: the envelope, with the HTTP status repeated.
  expect(body.status).toBe(response.status);
  expect(body.successful).toBe(response.status === 200);
  expect(typeof body.traceId).toBe('string');
  expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
  expect(typeof body.duration).toBe('number');
  return { httpStatus: response.status, body };
}

/** GET with a fresh X-OCS-Header built by the protocol test client. */
export async function getAuthenticated(baseUrl: string, path: string, password: string, ts = nowSeconds() + 5): Promise<ObshellAnswer> {
  const secret = await getObshell(baseUrl, '/api/v1/secret');
  const publicKey = (secret.body.data as { public_key: string }).public_key;
  const { header } = buildObshellHeader({ publicKey, password, uri: path, ts });
  return getObshell(baseUrl, path, { 'X-OCS-Header': header });
}

/** Expects an error answer and returns its errCode and message. */
export function expectError(answer: ObshellAnswer, status: number, errCode: string): string {
  expect({ status: answer.httpStatus, errCode: answer.body.error?.errCode }).toEqual({ status, errCode });
  expect(answer.body.data).toBeUndefined();
  return answer.body.error?.message ?? '';
}

/** An error body in obshell's envelope, whatever client read it. */
export function expectErrorEnvelope(status: number, body: unknown, errCode: string): void {
  expect(body).toEqual({
    successful: false,
    timestamp: expect.any(String),
    duration: expect.any(Number),
    status,
    traceId: expect.any(String),
    error: { errCode, message: expect.any(String) },
  });
}

/** Polls until `check` passes on the answer (it throws until then). */
export async function waitForAnswer<T>(
  fetchAnswer: () => Promise<ObshellAnswer>,
  check: (answer: ObshellAnswer) => T,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check(await fetchAnswer());
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface SeedExample {
  /** The example request's path and query, without the seed's host. */
  readonly path: string;
  readonly response: Record<string, unknown> & { data: unknown; traceId: string };
}

/** The request and response examples of a seed (copied verbatim from shared/seeds into seeds/). */
export function seedExample(name: string): SeedExample {
  const text = readFileSync(join(import.meta.dirname, 'seeds', name), 'utf8');
  const request = /Request example\s+GET [^/\s]+(\/\S+)/.exec(text);
  const responseAt = text.indexOf('Response example');
  if (!request?.[1] || responseAt < 0) throw new Error(`${name}: no request or response example`);
  return { path: request[1], response: JSON.parse(text.slice(responseAt + 'Response example'.length)) as SeedExample['response'] };
}

/** Keys and value types, recursively: what "a body of the seed's shape" compares. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  }
  return value === null ? 'null' : typeof value;
}
