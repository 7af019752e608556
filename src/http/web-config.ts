import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions, type TlsOptions, type TLSSocket } from 'node:tls';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { HTTP_LIMITS } from './limits.js';

/**
 * `--web.config.file` in the Prometheus exporter-toolkit format, so one file serves this exporter
 * and the others next to it. See docs/security.md for what is supported and what differs.
 */

export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  // exporter-toolkit keeps this older name of RequireAnyClientCert.
  'RequireClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;
const TLS_VERSION_NAMES = Object.keys(TLS_VERSIONS) as TlsVersionName[];

/** Go's curve names, as exporter-toolkit takes them, to OpenSSL's. */
const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/** `$2a$`, `$2b$` or `$2y$` (htpasswd), a two-digit cost, then 53 characters of salt and hash. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const bcryptHash = z.string().refine((hash) => {
  const cost = Number(BCRYPT_HASH.exec(hash)?.[1]);
  return cost >= 4 && cost <= 31;
}, 'is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d \':\\n\')');

const tlsServerSchema = z.strictObject({
  cert: z.string().optional(),
  key: z.string().optional(),
  client_ca: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  client_ca_file: z.string().optional(),
  client_auth_type: z.enum(CLIENT_AUTH_TYPES).optional(),
  client_allowed_sans: z.array(z.string()).optional(),
  min_version: z.enum(TLS_VERSION_NAMES).default('TLS12'),
  max_version: z.enum(TLS_VERSION_NAMES).default('TLS13'),
  curve_preferences: z.array(z.enum(Object.keys(CURVES) as (keyof typeof CURVES)[])).optional(),
  prefer_server_cipher_suites: z.boolean().default(true),
});

const headersSchema = z.strictObject({
  'Content-Security-Policy': z.string().optional(),
  'X-Frame-Options': z
    .string()
    .regex(/^(deny|sameorigin)$/i, 'must be deny or sameorigin')
    .optional(),
  'X-Content-Type-Options': z
    .string()
    .regex(/^nosniff$/i, 'must be nosniff')
    .optional(),
  'X-XSS-Protection': z.string().optional(),
  'Strict-Transport-Security': z.string().optional(),
});

const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerSchema.nullish(),
  http_server_config: z
    .strictObject({
      // Accepted for compatibility; this exporter speaks HTTP/1.1 only.
      http2: z.boolean().optional(),
      headers: headersSchema.nullish(),
    })
    .nullish(),
  basic_auth_users: z.record(z.string().min(1), bcryptHash).nullish(),
});

type TlsServerSection = z.output<typeof tlsServerSchema>;

/** TLS as the HTTP server applies it. */
export interface WebTls {
  /** What a reload may swap on the running server (certificates, CAs, versions, curves). */
  readonly context: SecureContextOptions;
  readonly clientAuth: ClientAuthType;
  /** A client certificate must carry one of these SANs; null: any. */
  readonly allowedSans: readonly string[] | null;
}

export interface WebConfig {
  readonly tls: WebTls | null;
  /** Username to bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** Extra response headers (http_server_config.headers). */
  readonly headers: Readonly<Record<string, string>>;
}

export const NO_WEB_CONFIG: WebConfig = { tls: null, users: new Map(), headers: {} };

/** Reads and checks a web config file, certificates included; errors name the file and key, never a secret. */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new WebConfigError(`${path}: cannot read the web config file: ${error.code ?? 'error'}`);
  });
  const parsed = parseWebConfig(text, path);
  const headers = Object.fromEntries(
    Object.entries(parsed.http_server_config?.headers ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    tls: parsed.tls_server_config ? await loadTls(parsed.tls_server_config, path) : null,
    users: new Map(Object.entries(parsed.basic_auth_users ?? {})),
    headers,
  };
}

function parseWebConfig(text: string, path: string): z.output<typeof webConfigSchema> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    // The first line of the parser's message only: later lines quote the file, which may hold a key.
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new WebConfigError(`${path}:${line}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const result = webConfigSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw new WebConfigError(
    result.error.issues
      .map((issue) => {
        const key = issue.path.map(String).join('.') || '(top level)';
        const unknown = issue.code === 'unrecognized_keys' ? `: ${issue.keys.join(', ')} (not supported by this exporter)` : '';
        return `${path}: ${key}: ${issue.message}${unknown}`;
      })
      .join('\n'),
  );
}

/** exporter-toolkit's rule: any TLS key present turns TLS on, and then cert and key are required. */
async function loadTls(section: TlsServerSection, path: string): Promise<WebTls | null> {
  const fail = (message: string): never => {
    throw new WebConfigError(`${path}: tls_server_config: ${message}`);
  };
  const enabled = [section.cert, section.cert_file, section.key, section.key_file, section.client_ca, section.client_ca_file, section.client_auth_type].some(
    (value) => value !== undefined && value !== '',
  );
  if (!enabled) return null;
  const base = dirname(path);
  const pem = async (inline: string | undefined, file: string | undefined, name: string) => {
    if (inline && file) fail(`set ${name} or ${name}_file, not both`);
    if (!file) return inline || undefined;
    const full = resolve(base, file);
    return readFile(full, 'utf8').catch((error: NodeJS.ErrnoException) => fail(`cannot read ${name}_file ${full}: ${error.code ?? 'error'}`));
  };
  const [cert, key, ca] = await Promise.all([
    pem(section.cert, section.cert_file, 'cert'),
    pem(section.key, section.key_file, 'key'),
    pem(section.client_ca, section.client_ca_file, 'client_ca'),
  ]);
  if (!cert) fail('missing one of cert or cert_file');
  if (!key) fail('missing one of key or key_file');
  const clientAuth = section.client_auth_type ?? 'NoClientCert';
  if (ca && clientAuth === 'NoClientCert') fail("client CA's have been configured without a client_auth_type");
  if (section.client_allowed_sans && !['RequireAnyClientCert', 'RequireClientCert', 'RequireAndVerifyClientCert'].includes(clientAuth)) {
    fail('client_allowed_sans requires client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
  }
  if (TLS_VERSION_NAMES.indexOf(section.min_version) > TLS_VERSION_NAMES.indexOf(section.max_version)) {
    fail('min_version is above max_version');
  }
  const context: SecureContextOptions = {
    cert,
    key,
    ...(ca && { ca }),
    minVersion: TLS_VERSIONS[section.min_version],
    maxVersion: TLS_VERSIONS[section.max_version],
    honorCipherOrder: section.prefer_server_cipher_suites,
    ...(section.curve_preferences && { ecdhCurve: section.curve_preferences.map((c) => CURVES[c]).join(':') }),
  };
  try {
    createSecureContext(context);
  } catch (error) {
    // OpenSSL's reason (e.g. "key values mismatch"), which never quotes the key.
    fail(`the certificate and key cannot be used: ${(error as Error).message}`);
  }
  return { context, clientAuth, allowedSans: section.client_allowed_sans ?? null };
}

/** Options for `https.createServer`: the context plus how client certificates are asked for. */
export function tlsServerOptions(tls: WebTls): TlsOptions {
  const requestCert = tls.clientAuth !== 'NoClientCert';
  return {
    ...tls.context,
    requestCert,
    // Only this type lets node refuse unverified certificates itself; the others are checked per connection.
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    handshakeTimeout: HTTP_LIMITS.tlsHandshakeTimeoutMs,
  };
}

/** Why a connection's client certificate is not acceptable under `tls`, or null when it is. */
export function clientCertificateProblem(tls: WebTls, socket: TLSSocket): string | null {
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  const required = ['RequireAnyClientCert', 'RequireClientCert', 'RequireAndVerifyClientCert'].includes(tls.clientAuth);
  if (!presented) return required ? 'no client certificate' : null;
  if (tls.clientAuth === 'VerifyClientCertIfGiven' && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  if (tls.allowedSans === null) return null;
  const sans = (certificate.subjectaltname ?? '').split(', ').map((entry) => entry.replace(/^[^:]+:/, ''));
  return sans.some((san) => tls.allowedSans!.includes(san)) ? null : 'client certificate has none of client_allowed_sans';
}

/** Whether going from `before` to `after` needs a restart (node fixes these when the server is created). */
export function tlsChangeNeedsRestart(before: WebTls | null, after: WebTls | null): string | null {
  if ((before === null) !== (after === null)) return 'turning TLS on or off needs a restart';
  if (before && after && before.clientAuth !== after.clientAuth) return 'changing client_auth_type needs a restart';
  return null;
}
