import { z } from 'zod';

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * A secret value: `${NAME}` expands from the environment (only in secret fields, clarification 3,
 * so that a `$` in an ordinary value never changes meaning). The error names the variable, not
 * the value. Its own module so that section schemas (auth-schema.ts) can use it without
 * importing schema.ts, which imports them.
 */
export const secretString = z.string().transform((text, ctx) => {
  const missing = [...text.matchAll(ENV_REFERENCE)].map((m) => m[1]!).filter((name) => process.env[name] === undefined);
  if (missing.length > 0) {
    ctx.addIssue({ code: 'custom', message: `environment variable ${missing.join(', ')} is not set` });
    return z.NEVER;
  }
  return text.replace(ENV_REFERENCE, (_, name: string) => process.env[name] ?? '');
});
