import type { Session } from '../snapshot/session.js';
import type { ClientVersionRule, RuleColumn } from './config.js';
import { UNKNOWN } from './support-policy.js';

/** Longer names or versions are cut: they become label values, and clients choose them. */
export const MAX_NAME_LENGTH = 64;

export interface AnnouncedClient {
  readonly client: string;
  readonly version: string;
}

interface CompiledRule {
  readonly column: RuleColumn;
  readonly pattern: RegExp;
}

export type ClientColumns = Pick<Session, 'client_name' | 'client_version' | RuleColumn>;

export function compileRules(rules: readonly ClientVersionRule[]): readonly CompiledRule[] {
  return rules.map((rule) => ({ column: rule.column, pattern: new RegExp(rule.pattern) }));
}

function cleaned(value: string | undefined): string {
  const text = value?.trim() ?? '';
  return text === '' ? UNKNOWN : text.slice(0, MAX_NAME_LENGTH);
}

/**
 * Which client a session runs: its connect attributes when the server exposes them, else the
 * first rule whose pattern finds a client name in its column; "unknown" for what is missing.
 */
export function announcedClient(session: ClientColumns, rules: readonly CompiledRule[]): AnnouncedClient {
  if (session.client_name !== '') return { client: cleaned(session.client_name), version: cleaned(session.client_version) };
  for (const rule of rules) {
    const groups = rule.pattern.exec(session[rule.column])?.groups;
    const client = cleaned(groups?.client);
    if (client !== UNKNOWN) return { client, version: cleaned(groups?.version) };
  }
  return { client: UNKNOWN, version: UNKNOWN };
}
