import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads, parses and validates a config file; the error names the file, line and key. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the config file: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new ConfigError(`${source}:${line}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const result = configSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, source)).join('\n'));
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  source: string,
): string {
  const path = issue.path.map(String);
  const key = formatPath(issue.path) || '(top level)';
  const unknownKeys = issue.code === 'unrecognized_keys' ? `: ${issue.keys.join(', ')}` : '';
  return `${source}:${lineOf(doc, lineCounter, path)}: ${key}: ${issue.message}${unknownKeys}`;
}

/** The line of the deepest node on `path` that exists (a missing key points at its parent). */
function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: string[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    '',
  );
}

/** The config used when no file is given: the embedded default target. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
