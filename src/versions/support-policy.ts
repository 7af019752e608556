import semver from 'semver';
import type { SupportStatus } from '../snapshot/session.js';
import type { ClientVersionsConfig, SupportPolicyConfig } from './config.js';

export const UNKNOWN = 'unknown';

interface CompiledPolicy {
  readonly full: semver.Range | undefined;
  readonly partial: semver.Range | undefined;
}

function compile(policy: SupportPolicyConfig): CompiledPolicy {
  return {
    full: policy.full === undefined ? undefined : new semver.Range(policy.full),
    partial: policy.partial === undefined ? undefined : new semver.Range(policy.partial),
  };
}

/**
 * The release a version string names, for range checks: the first `major[.minor[.patch]]` in it,
 * missing parts as 0, any suffix dropped ("8.0.33-commercial" and "8.0.33+build" are 8.0.33,
 * "5.5.0-release-1234" is 5.5.0, "10.11" is 10.11.0). Drivers put vendor tags where semver puts
 * pre-releases, and a pre-release would fall outside every plain range. Null when the string
 * holds no number.
 */
export function releaseOf(version: string): semver.SemVer | null {
  return semver.coerce(version);
}

/** Judges client versions by the configured ranges (config validation has checked them). */
export class SupportPolicy {
  readonly #clients: ReadonlyMap<string, CompiledPolicy>;
  readonly #fallback: CompiledPolicy | undefined;

  constructor(config: ClientVersionsConfig['policy']) {
    this.#clients = new Map(Object.entries(config.clients).map(([client, policy]) => [client, compile(policy)]));
    this.#fallback = config.default === undefined ? undefined : compile(config.default);
  }

  /** "unknown" when the client, its version or a policy for it is missing: never alerted on. */
  supportOf(client: string, version: string): SupportStatus {
    if (client === UNKNOWN || version === UNKNOWN) return UNKNOWN;
    const policy = this.#clients.get(client) ?? this.#fallback;
    if (policy === undefined) return UNKNOWN;
    const release = releaseOf(version);
    if (release === null) return UNKNOWN;
    if (policy.full?.test(release)) return 'full';
    if (policy.partial?.test(release)) return 'partial';
    return 'none';
  }
}
