import { z } from 'zod';
import { durationMs } from '../config/duration.js';

/**
 * The `history:` section: `{ path?: string, retention?: duration }`. It parses to the options of
 * openHistoryStore (minus the logger), so wiring is `openHistoryStore({ ...config.history, log })`.
 */
export const historyConfigSchema = z
  .strictObject({
    path: z.string().min(1).default('./data/history'),
    retention: durationMs.default(31 * 86_400_000),
  })
  .prefault({})
  .transform(({ path, retention }) => ({ path, retentionMs: retention }));

export type HistoryConfig = z.output<typeof historyConfigSchema>;
