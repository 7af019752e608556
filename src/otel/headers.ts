import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/load.js';
import type { Logger } from '../logging/logger.js';
import { hasLineBreak } from './config.js';

const REDACTED = '[redacted]';

async function readHeaderFile(name: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`header "${name}": cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // Secret files usually end with one newline, which is not part of the value.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`header "${name}": ${path} is empty`);
  if (hasLineBreak(value)) throw new Error(`header "${name}": ${path} holds more than one line`);
  return value;
}

async function readHeaderFiles(files: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(files).map(async ([name, path]) => [name, await readHeaderFile(name, path)] as const));
  return Object.fromEntries(entries);
}

/** Where the headers of an export come from, lowest precedence first. */
export interface HeaderSources {
  /** OTEL_EXPORTER_OTLP_HEADERS and its _METRICS_ form, as the OTLP exporter reads them. */
  readonly env: Readonly<Record<string, string>>;
  /** `otlp.headers`. */
  readonly fixed: Readonly<Record<string, string>>;
  /** `otlp.headers_files`: name -> file. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * The headers of every export request: the environment's, the config's fixed values, and values
 * read from files at each export so that a rotated token is used without a reload (a name set in
 * several places takes the config's value, as the OTLP exporter would). A file that cannot be
 * read later keeps its last value (and says so in the log, naming the file, never the value).
 */
export class ExportHeaders {
  private constructor(
    private readonly sources: HeaderSources,
    private fromFiles: Record<string, string>,
    private readonly log: Logger,
  ) {}

  /** Throws a ConfigError when a file cannot be read now: a config that cannot work is refused. */
  static async load(sources: HeaderSources, log: Logger): Promise<ExportHeaders> {
    try {
      return new ExportHeaders(sources, await readHeaderFiles(sources.files), log);
    } catch (error) {
      throw new ConfigError(`otlp.headers_files: ${(error as Error).message}`);
    }
  }

  /** The exporter's header factory; it must never throw. */
  readonly current = async (): Promise<Record<string, string>> => {
    try {
      this.fromFiles = await readHeaderFiles(this.sources.files);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'OTLP header file unreadable: sending its last value');
    }
    return { ...this.sources.env, ...this.sources.fixed, ...this.fromFiles };
  };

  /** Every value in use, the environment's included, to be kept out of log messages. */
  secrets(): string[] {
    return [...Object.values(this.sources.env), ...Object.values(this.sources.fixed), ...Object.values(this.fromFiles)];
  }
}

/** The endpoint's query string as written, one `name=value` (or bare `value`) per entry. */
function queryPairs(url: URL): string[] {
  return url.search.slice(1).split('&').filter((pair) => pair !== '');
}

/**
 * The endpoint as the log shows it: the value of every query parameter replaced (some vendors
 * take `?api_key=`), and a fragment dropped. Credentials before the host are refused by config.
 */
export function loggableEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  const pairs = queryPairs(url).map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${REDACTED}` : REDACTED));
  url.search = '';
  url.hash = '';
  return pairs.length === 0 ? url.href : `${url.href}?${pairs.join('&')}`;
}

/** The endpoint's query values, as written and decoded: an error message that quotes the URL must not show them. */
export function endpointSecrets(endpoint: string): string[] {
  const url = new URL(endpoint);
  const written = queryPairs(url).map((pair) => pair.slice(pair.indexOf('=') + 1));
  return [...new Set([...written, ...url.searchParams.values()])].filter((value) => value !== '');
}

/** `text` with every occurrence of a secret replaced, for messages that reach the log. */
export function redact(text: string, secrets: readonly string[]): string {
  // Longest first, so that a secret containing another is replaced whole.
  const longestFirst = secrets.filter((s) => s !== '').sort((a, b) => b.length - a.length);
  return longestFirst.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
