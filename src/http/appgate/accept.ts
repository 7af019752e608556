/** Appgate clients ask for their peer API version; any version gets the same JSON. */
const APPGATE_PEER = /^application\/vnd\.appgate\.peer-v\d+\+json$/;
const GENERIC = new Set(['*/*', 'application/*', 'application/json']);
const QUALITY = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

function parseRange(text: string): MediaRange | null {
  const [type = '', ...params] = text.split(';').map((part) => part.trim());
  let q = 1;
  for (const param of params) {
    const [name = '', value = ''] = param.split('=', 2).map((part) => part.trim());
    if (name.toLowerCase() !== 'q') continue;
    if (!QUALITY.test(value)) return null;
    q = Number(value);
  }
  return type === '' ? null : { type: type.toLowerCase(), q };
}

/**
 * The Content-Type to answer with for an Accept header, or null (406) when it allows nothing we
 * produce. No header means anything. An Appgate peer type is echoed back, since a client that
 * asked only for it checks for it; everything else gets application/json.
 */
export function negotiateJson(accept: string | undefined): string | null {
  if (accept === undefined || accept.trim() === '') return 'application/json';
  const ranges = accept
    .split(',')
    .map(parseRange)
    .filter((range): range is MediaRange => range !== null && range.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { type } of ranges) {
    if (GENERIC.has(type)) return 'application/json';
    if (APPGATE_PEER.test(type)) return type;
  }
  return null;
}
