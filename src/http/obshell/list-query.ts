import { parseIp } from '../../geoip/ip-address.js';
import {
  DEFAULT_LIST_QUERY,
  SORT_FIELD_NAMES,
  addressKey,
  sortKeyOf,
  type ObserverFilter,
  type SessionListQuery,
  type SessionSort,
} from '../../views/obshell-sessions.js';
import { illegalArgument, quote } from './errors.js';

/** `req.query` under express's simple parser: a string, or an array when a name repeats. */
export type QueryValues = Readonly<Record<string, unknown>>;

const MAX_UINT64 = 2n ** 64n - 1n;
const OBSERVER_FORMS = 'use ip, ip:port or [ipv6]:port';

/**
 * The list endpoint's query string. Every value is checked here, and a bad one is a 400 that
 * names the parameter and what it accepts (obshell resets or ignores most of them silently).
 */
export function parseSessionListQuery(query: QueryValues): SessionListQuery {
  const text = (name: string) => singleValue(query, name);
  const page = text('page');
  const size = text('size');
  const id = text('id');
  const activeOnly = text('active_only');
  const observers = text('observer_list');
  const sort = text('sort');
  return {
    user: text('user') ?? '',
    db: text('db') ?? '',
    host: text('host') ?? '',
    id: id === undefined ? DEFAULT_LIST_QUERY.id : parseUint64('id', id),
    observers: observers === undefined || observers === '' ? [] : parseObserverList(observers),
    activeOnly: activeOnly === undefined ? DEFAULT_LIST_QUERY.activeOnly : parseBoolean('active_only', activeOnly),
    sort: sort === undefined || sort === '' ? null : parseSort(sort),
    page: page === undefined ? DEFAULT_LIST_QUERY.page : parsePositive('page', page),
    size: size === undefined ? DEFAULT_LIST_QUERY.size : parsePositive('size', size),
  };
}

/** The `:sessionId` of the detail endpoint. */
export function parseSessionId(text: string): bigint {
  return parseUint64('sessionId', text);
}

/** `?svr_ip=` of the detail endpoint, which picks one of several sessions sharing an id. */
export function parseSvrIp(query: QueryValues): ObserverFilter | null {
  const text = singleValue(query, 'svr_ip');
  if (text === undefined || text === '') return null;
  const observer = parseObserverAddress(text);
  if (observer === null) throw illegalArgument('svr_ip', `${quote(text)} is not an observer address: ${OBSERVER_FORMS}`);
  return observer;
}

export function singleValue(query: QueryValues, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw illegalArgument(name, 'give it once, as a single value');
}

function parseUint64(name: string, text: string): bigint {
  const value = /^\d{1,20}$/.test(text) ? BigInt(text) : -1n;
  if (value < 0n || value > MAX_UINT64) throw illegalArgument(name, `${quote(text)} is not an unsigned 64-bit integer`);
  return value;
}

function parsePositive(name: string, text: string): bigint {
  const value = parseUint64(name, text);
  if (value === 0n) throw illegalArgument(name, `must be at least 1, up to ${MAX_UINT64}`);
  return value;
}

function parseBoolean(name: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw illegalArgument(name, `${quote(text)} is not one of true, false, 1, 0`);
}

/** `field`, `field,asc` or `field,desc`; a field alone sorts ascending (obshell ignores it). */
function parseSort(text: string): SessionSort {
  const parts = text.split(',').map((part) => part.trim());
  const [field = '', order = 'asc'] = parts;
  if (field.toUpperCase() === 'INFO') {
    throw illegalArgument('sort', "'info' cannot be sorted by: SQL text is not kept between scrapes");
  }
  const key = sortKeyOf(field);
  if (parts.length > 2 || key === undefined) {
    throw illegalArgument('sort', `${quote(text)} is not "field" or "field,asc|desc"; fields: ${SORT_FIELD_NAMES.join(', ')}`);
  }
  const lowerOrder = order.toLowerCase();
  if (lowerOrder !== 'asc' && lowerOrder !== 'desc') {
    throw illegalArgument('sort', `order ${quote(order)} is not one of asc, desc`);
  }
  return { key, descending: lowerOrder === 'desc' };
}

function parseObserverList(text: string): ObserverFilter[] {
  return text.split(',').map((entry) => {
    const observer = parseObserverAddress(entry.trim());
    if (observer === null) {
      throw illegalArgument('observer_list', `${quote(entry)} is not an observer address: ${OBSERVER_FORMS}, separated by commas`);
    }
    return observer;
  });
}

/**
 * `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`; a bare IPv6 address carries no port (its last
 * group could be read either way). Null when malformed.
 */
export function parseObserverAddress(text: string): ObserverFilter | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return observer(bracketed[1]!, bracketed[2]);
  const colons = text.split(':').length - 1;
  if (colons !== 1) return observer(text, undefined);
  const [ip = '', port] = text.split(':');
  return observer(ip, port);
}

function observer(ip: string, portText: string | undefined): ObserverFilter | null {
  if (ip.trim() !== ip || parseIp(ip) === null) return null;
  if (portText === undefined) return { address: addressKey(ip), port: null };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  return port >= 1 && port <= 65_535 ? { address: addressKey(ip), port } : null;
}
