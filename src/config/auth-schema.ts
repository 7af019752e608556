import { z } from 'zod';
import { obshellAuthConfigSchema } from '../http/obshell/auth/config.js';
import { tokensFileAuthSchema } from '../http/tokens-file.js';
import { secretString } from './secret-string.js';

/**
 * `auth` (clarification 3): one key per API family. A family without a key here is open.
 * Strict, so that a misspelt family name is an error rather than an API left open.
 */
export const authSchema = z.strictObject({
  obshell: obshellAuthConfigSchema.safeExtend({ password: secretString.optional() }).optional(),
  dashboard: tokensFileAuthSchema.optional(),
  dbss: tokensFileAuthSchema.optional(),
});

export type AuthConfig = z.output<typeof authSchema>;
