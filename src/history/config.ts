import { z } from 'zod';
import { parseDuration } from '../config/duration.js';

const duration = z.string().transform((text, context) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    context.addIssue({ code: 'custom', message: `"${text}" is not a positive duration such as 31d, 12h or 1h30m` });
    return z.NEVER;
  }
  return ms;
});

/**
 * The `history:` section: `{ path?: string, retention?: duration }`. It parses to the options of
 * openHistoryStore (minus the logger), so wiring is `openHistoryStore({ ...config.history, log })`.
 */
export const historyConfigSchema = z
  .strictObject({
    path: z.string().min(1).default('./data/history'),
    retention: duration.default(31 * 86_400_000),
  })
  .prefault({})
  .transform(({ path, retention }) => ({ path, retentionMs: retention }));

export type HistoryConfig = z.output<typeof historyConfigSchema>;
