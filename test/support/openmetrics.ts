/**
 * Checks a body against the OpenMetrics 1.0 text format. `promtool check metrics` cannot: it
 * parses the Prometheus text format, so it rejects correct OpenMetrics (a counter family `x`
 * with samples `x_total` has "no help text" there) and passes what OpenMetrics forbids.
 * Returns the problems found, each naming its line; none means the body is valid.
 */
export function lintOpenMetrics(body: string): string[] {
  const problems: string[] = [];
  if (!body.endsWith('# EOF\n') && !body.endsWith('# EOF')) problems.push('the body does not end with "# EOF"');
  const lines = body.replace(/\n$/, '').split('\n');
  const families = new Map<string, Family>();
  let current: Family | null = null;
  lines.forEach((line, index) => {
    const at = `line ${index + 1}`;
    const problem = (message: string) => problems.push(`${at}: ${message}: ${JSON.stringify(line)}`);
    if (line === '# EOF') {
      if (index !== lines.length - 1) problem('# EOF before the end');
      return;
    }
    if (line.startsWith('#')) {
      const meta = METADATA.exec(line);
      if (!meta) return problem('not a HELP, TYPE or UNIT line');
      const [, keyword, name, text] = meta as unknown as [string, Keyword, string, string];
      if (current?.name !== name) {
        if (families.has(name)) return problem(`family ${name} appears twice`);
        current = { name, type: 'unknown', seen: new Set(), hasSamples: false, points: new Set() };
        families.set(name, current);
      }
      if (current.seen.has(keyword)) return problem(`a second ${keyword}`);
      if (current.hasSamples) return problem(`${keyword} after the family's samples`);
      current.seen.add(keyword);
      if (keyword === 'TYPE') {
        if (!TYPES.has(text)) return problem(`unknown type ${text}`);
        current.type = text as MetricType;
        if (RESERVED_SUFFIX[current.type]?.test(name)) problem(`a ${text} family name ends with a suffix its samples add`);
      }
      if (keyword === 'UNIT' && text !== '' && !name.endsWith(`_${text}`)) problem(`the family name does not end with its unit ${text}`);
      return;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) return problem('not a sample line');
    const [, name = '', labelText, value = ''] = sample;
    if (!current || !sampleNames(current).includes(name)) return problem(`sample ${name} outside its family`);
    current.hasSamples = true;
    const labels = parseLabels(labelText ?? '');
    if (labels === null) return problem('malformed labels');
    const point = `${name}{${[...labels].sort().join(',')}}`;
    if (current.points.has(point)) return problem('the same series twice');
    current.points.add(point);
    if (!FLOAT.test(value)) return problem(`value ${value} is not a number`);
    if (current.type === 'counter' && name.endsWith('_total') && !(Number(value) >= 0)) problem('a counter total below zero or NaN');
  });
  return problems;
}

type Keyword = 'HELP' | 'TYPE' | 'UNIT';
type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'stateset' | 'info' | 'summary' | 'unknown';

interface Family {
  readonly name: string;
  type: MetricType;
  readonly seen: Set<Keyword>;
  hasSamples: boolean;
  /** Sample name and label set of every point so far: each may appear once. */
  readonly points: Set<string>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const METADATA = new RegExp(`^# (HELP|TYPE|UNIT) (${NAME})(?: (.*))?$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: \\S+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown']);

/** Family names that would collide with the names of their own samples. */
const RESERVED_SUFFIX: Partial<Record<MetricType, RegExp>> = {
  counter: /_(total|created)$/,
  info: /_info$/,
  histogram: /_(bucket|count|sum|created)$/,
  summary: /_(count|sum|created)$/,
};

/** The sample names a family of each type may expose. */
function sampleNames(family: Family): string[] {
  const n = family.name;
  switch (family.type) {
    case 'counter':
      return [`${n}_total`, `${n}_created`];
    case 'info':
      return [`${n}_info`];
    case 'histogram':
      return [`${n}_bucket`, `${n}_count`, `${n}_sum`, `${n}_created`];
    case 'gaugehistogram':
      return [`${n}_bucket`, `${n}_gcount`, `${n}_gsum`];
    case 'summary':
      return [n, `${n}_count`, `${n}_sum`, `${n}_created`];
    default:
      return [n];
  }
}

/** `name="value"` pairs separated by commas; null when malformed or a name repeats. */
function parseLabels(text: string): string[] | null {
  const pairs: string[] = [];
  const names = new Set<string>();
  let rest = text;
  while (rest !== '') {
    const label = LABEL.exec(rest);
    if (!label || names.has(label[1]!)) return null;
    names.add(label[1]!);
    pairs.push(label[0]);
    rest = rest.slice(label[0].length);
    if (rest === '') break;
    if (!rest.startsWith(',') || rest === ',') return null;
    rest = rest.slice(1);
  }
  return pairs;
}
