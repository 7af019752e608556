import type { ClientVersion } from '../snapshot/session.js';
import type { ClientVersionsConfig } from './config.js';
import { announcedClient, compileRules, type ClientColumns } from './client-version.js';
import { SupportPolicy } from './support-policy.js';

/** Distinct client strings remembered; a flood of made-up ones starts the memory over. */
const MAX_REMEMBERED = 10_000;

/**
 * The client, version and support of a session under the configured rules and policy. Scrapes
 * see the same few client strings over and over, so each distinct one is worked out once.
 */
export function createClientClassifier(config: ClientVersionsConfig): (session: ClientColumns) => ClientVersion {
  const rules = compileRules(config.rules);
  const policy = new SupportPolicy(config.policy);
  const known = new Map<string, ClientVersion>();
  const keyOf =
    rules.length === 0
      ? (s: ClientColumns) => `${s.client_name}\u0000${s.client_version}`
      : (s: ClientColumns) => `${s.client_name}\u0000${s.client_version}\u0000${s.module}\u0000${s.action}\u0000${s.client_info}`;

  return (session) => {
    const key = keyOf(session);
    let result = known.get(key);
    if (result === undefined) {
      const { client, version } = announcedClient(session, rules);
      result = Object.freeze({ client, version, support: policy.supportOf(client, version) });
      if (known.size >= MAX_REMEMBERED) known.clear();
      known.set(key, result);
    }
    return result;
  };
}
