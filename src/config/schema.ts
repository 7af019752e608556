import { z } from 'zod';
import { geoIpConfigSchema } from '../geoip/config.js';
import { historySectionSchema } from '../history-prometheus/config.js';
import { otlpConfigSchema } from '../otel/config.js';
import { clientVersionsConfigSchema } from '../versions/config.js';
import { authSchema } from './auth-schema.js';
import { durationMs } from './duration.js';
import { secretString } from './secret-string.js';

const targetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "." and "-" (the name appears in URLs and labels)');

const mysqlUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL such as mysql://user@host:3306' });
    return;
  }
  if (url.protocol !== 'mysql:') ctx.addIssue({ code: 'custom', message: 'must start with mysql://' });
  if (url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain a password: use password_file or password: ${ENV}' });
  }
  if (url.username === '') ctx.addIssue({ code: 'custom', message: 'must name the user, as in mysql://monitor@host:2881' });
});

const tlsSchema = z.strictObject({
  ca_file: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  server_name: z.string().optional(),
  insecure_skip_verify: z.boolean().default(false),
});

export const targetSchema = z
  .strictObject({
    name: targetName,
    url: mysqlUrl,
    password: secretString.optional(),
    password_file: z.string().optional(),
    flavor: z.enum(['oceanbase', 'mysql', 'auto']).default('auto'),
    /** OceanBase: tenants to watch; default every tenant but META ones. */
    tenants: z.array(z.string().min(1)).min(1).optional(),
    /** MySQL: the one tenant name its sessions are reported under; default the target's name. */
    tenant: z.string().min(1).optional(),
    tls: tlsSchema.optional(),
  })
  .refine((t) => t.password === undefined || t.password_file === undefined, {
    message: 'set password or password_file, not both',
    path: ['password_file'],
  });

const labelsSchema = z.strictObject({
  /** client_ip values beyond the top N by session count fold into "other". */
  max_clients_per_tenant: z.number().int().positive().default(50),
  max_dbs_per_tenant: z.number().int().positive().default(50),
  max_users_per_tenant: z.number().int().positive().default(50),
  max_versions_per_tenant: z.number().int().positive().default(20),
});

const apiSchema = z.strictObject({
  /** Return session SQL text (`info`) even when no API authentication is configured. */
  expose_sql_text: z.boolean().default(false),
});

/** The embedded default: the local MySQL/MariaDB, so `npm start` shows something at once. */
export const DEFAULT_TARGET = { name: 'local', url: 'mysql://root@127.0.0.1:3306' } as const;

export const configSchema = z
  .strictObject({
    scrape_interval: durationMs.default(15_000),
    /** Default: 10s, or the interval when that is shorter. */
    scrape_timeout: durationMs.optional(),
    targets: z.array(targetSchema).min(1).default([targetSchema.parse(DEFAULT_TARGET)]),
    labels: labelsSchema.default(labelsSchema.parse({})),
    api: apiSchema.default(apiSchema.parse({})),
    auth: authSchema.optional(),
    geoip: geoIpConfigSchema.default({}),
    client_versions: clientVersionsConfigSchema.default(clientVersionsConfigSchema.parse({})),
    /** Present: push the session metrics over OTLP/HTTP (docs/opentelemetry.md). */
    otlp: otlpConfigSchema.optional(),
    /** Present: keep session history for the DBSS statistics (docs/history.md, docs/dbss-api.md). */
    history: historySectionSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.scrape_timeout !== undefined && config.scrape_timeout > config.scrape_interval) {
      ctx.addIssue({ code: 'custom', message: 'must not be longer than scrape_interval', path: ['scrape_timeout'] });
    }
    const seen = new Set<string>();
    config.targets.forEach((target, index) => {
      if (seen.has(target.name)) {
        ctx.addIssue({ code: 'custom', message: `duplicate target name "${target.name}"`, path: ['targets', index, 'name'] });
      }
      seen.add(target.name);
    });
  })
  .transform((config) => ({ ...config, scrape_timeout: config.scrape_timeout ?? Math.min(10_000, config.scrape_interval) }));

export type Config = z.output<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
