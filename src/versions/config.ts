import semver from 'semver';
import { z } from 'zod';

/** Session columns an application can write its client name and version into (OceanBase). */
export const RULE_COLUMNS = ['module', 'action', 'client_info'] as const;
export type RuleColumn = (typeof RULE_COLUMNS)[number];

/** The named groups a rule must have, by whatever means the pattern reaches them. */
const GROUPS = ['client', 'version'] as const;

/**
 * Group names of a pattern: alternating with an empty branch makes the pattern match "",
 * and a match lists every named group of the pattern, matched or not.
 */
function groupNames(pattern: RegExp): string[] {
  const probe = new RegExp(`(?:${pattern.source})|`, pattern.flags);
  return Object.keys(probe.exec('')?.groups ?? {});
}

const pattern = z.string().superRefine((text, ctx) => {
  let compiled: RegExp;
  try {
    compiled = new RegExp(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a regular expression: ${(error as Error).message}` });
    return;
  }
  const missing = GROUPS.filter((group) => !groupNames(compiled).includes(group));
  if (missing.length > 0) {
    ctx.addIssue({ code: 'custom', message: `needs the named group${missing.length > 1 ? 's' : ''} ${missing.map((g) => `(?<${g}>...)`).join(' and ')}` });
  }
});

const ruleSchema = z.strictObject({
  column: z.enum(RULE_COLUMNS),
  pattern,
});

const range = z.string().superRefine((text, ctx) => {
  if (text.trim() === '' || semver.validRange(text) === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a semver range such as ">=3.0.0", "^2.4" or "1.x || >=2.5.0 <3"` });
  }
});

/** full is checked before partial, so a version in both is full. Anything else is none. */
const policySchema = z.strictObject({
  full: range.optional(),
  partial: range.optional(),
});

/**
 * `client_versions`. Connect attributes (MySQL, MariaDB, TiDB) name the client where the server
 * exposes them; `rules` read it from the session columns applications set (OceanBase), first
 * match wins. `policy.clients` judges clients by exact name, `policy.default` every other one;
 * without a policy for a client its sessions are support "unknown".
 */
export const clientVersionsConfigSchema = z.strictObject({
  rules: z.array(ruleSchema).default([]),
  policy: z
    .strictObject({
      default: policySchema.optional(),
      clients: z.record(z.string().min(1), policySchema).default({}),
    })
    .default({ clients: {} }),
});

export type ClientVersionsConfig = z.output<typeof clientVersionsConfigSchema>;
export type ClientVersionRule = z.output<typeof ruleSchema>;
export type SupportPolicyConfig = z.output<typeof policySchema>;
