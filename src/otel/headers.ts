import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/load.js';
import type { Logger } from '../logging/logger.js';
import { hasLineBreak } from './config.js';

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

/**
 * The headers of every export request: fixed values from the config, and values read from files
 * at each export so that a rotated token is used without a reload. A file that cannot be read
 * later keeps its last value (and says so in the log, naming the file, never the value).
 */
export class ExportHeaders {
  private constructor(
    private readonly fixed: Readonly<Record<string, string>>,
    private readonly files: Readonly<Record<string, string>>,
    private fromFiles: Record<string, string>,
    private readonly log: Logger,
  ) {}

  /** Throws a ConfigError when a file cannot be read now: a config that cannot work is refused. */
  static async load(fixed: Readonly<Record<string, string>>, files: Readonly<Record<string, string>>, log: Logger): Promise<ExportHeaders> {
    try {
      return new ExportHeaders(fixed, files, await readHeaderFiles(files), log);
    } catch (error) {
      throw new ConfigError(`otlp.headers_files: ${(error as Error).message}`);
    }
  }

  /** The exporter's header factory; it must never throw. */
  readonly current = async (): Promise<Record<string, string>> => {
    try {
      this.fromFiles = await readHeaderFiles(this.files);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'OTLP header file unreadable: sending its last value');
    }
    return { ...this.fixed, ...this.fromFiles };
  };

  /** Every value in use, to be kept out of log messages. */
  secrets(): string[] {
    return [...Object.values(this.fixed), ...Object.values(this.fromFiles)];
  }
}

/** `text` with every occurrence of a secret replaced, for messages that reach the log. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s !== '').reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
