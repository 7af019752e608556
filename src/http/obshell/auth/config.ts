import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseDuration } from '../../../config/duration.js';
import { loadOrCreateKey } from './key.js';
import { DEFAULT_MAX_TS_AHEAD_MS } from './verify.js';

/**
 * `auth.obshell` (clarification 3). Strict, so that a misspelt `pasword_file` is an error
 * rather than an API left open. The composing schema expands `${ENV}` in the password with
 * `obshellAuthConfigSchema.safeExtend({ password: secretString.optional() })` (safeExtend keeps
 * the refinement; importing secretString here would make the two schema files import each other).
 */
export const obshellAuthConfigSchema = z
  .strictObject({
    password: z.string().min(1).optional(),
    password_file: z.string().min(1).optional(),
    private_key_file: z.string().min(1).optional(),
    /** How far in the future a header's Ts may be; obshell's web UI uses now + 30 min. */
    max_ts_ahead: z
      .string()
      .refine((text) => (parseDuration(text) ?? 0) > 0, { message: 'is not a duration such as 35m or 1h' })
      .optional(),
  })
  .refine((config) => config.password === undefined || config.password_file === undefined, {
    message: 'set password or password_file, not both',
    path: ['password_file'],
  });

export type ObshellAuthConfig = z.output<typeof obshellAuthConfigSchema>;

/** Everything the obshell router needs for authentication, resolved once at start. */
export interface ObshellAuthSettings {
  /** undefined: no password configured, the API is open. */
  readonly password: string | undefined;
  /** Always present: GET /api/v1/secret answers even when the API is open. */
  readonly key: KeyObject;
  readonly maxTsAheadMs: number;
}

export async function resolveObshellAuth(config: ObshellAuthConfig | undefined): Promise<ObshellAuthSettings> {
  return {
    password: await readPassword(config),
    key: await loadOrCreateKey(config?.private_key_file),
    maxTsAheadMs: parseDuration(config?.max_ts_ahead ?? '') ?? DEFAULT_MAX_TS_AHEAD_MS,
  };
}

async function readPassword(config: ObshellAuthConfig | undefined): Promise<string | undefined> {
  if (config?.password_file === undefined) {
    // An empty ${ENV} expansion must not silently leave the API open.
    if (config?.password === '') throw new Error('auth.obshell.password is empty');
    return config?.password;
  }
  let text: string;
  try {
    text = await readFile(config.password_file, 'utf8');
  } catch (error) {
    throw new Error(`${config.password_file}: cannot read auth.obshell.password_file: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  // Editors and `echo` add a final newline that is not part of the password.
  const password = text.replace(/[\r\n]+$/, '');
  if (password === '') throw new Error(`${config.password_file}: auth.obshell.password_file is empty`);
  return password;
}
