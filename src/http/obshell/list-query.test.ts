import { describe, expect, it } from 'vitest';
import { DEFAULT_LIST_QUERY, addressKey } from '../../views/obshell-sessions.js';
import { ObshellError } from './errors.js';
import { parseObserverAddress, parseSessionId, parseSessionListQuery, parseSvrIp, type QueryValues } from './list-query.js';

function rejection(query: QueryValues): ObshellError {
  try {
    parseSessionListQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(ObshellError);
    return error as ObshellError;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parseSessionListQuery', () => {
  it('reads the seed example', () => {
    expect(parseSessionListQuery({ page: '1', size: '10', active_only: 'true', sort: 'time,desc' })).toEqual({
      ...DEFAULT_LIST_QUERY,
      page: 1n,
      size: 10n,
      activeOnly: true,
      sort: { key: 'time', descending: true },
    });
  });

  it('defaults to page 1 of everything, unsorted, and treats empty text filters as none', () => {
    expect(parseSessionListQuery({})).toEqual(DEFAULT_LIST_QUERY);
    expect(parseSessionListQuery({ user: '', db: '', host: '', observer_list: '', sort: '' })).toEqual(DEFAULT_LIST_QUERY);
    expect(DEFAULT_LIST_QUERY.size).toBe(2_147_483_647n);
  });

  it('accepts any uint64 page and size, exactly', () => {
    const max = '18446744073709551615';
    expect(parseSessionListQuery({ page: max, size: max })).toMatchObject({ page: 2n ** 64n - 1n, size: 2n ** 64n - 1n });
  });

  it.each([
    [{ page: '0' }, 'page', 'at least 1'],
    [{ size: '0' }, 'size', 'at least 1'],
    [{ page: '-1' }, 'page', 'unsigned 64-bit'],
    [{ size: 'ten' }, 'size', 'unsigned 64-bit'],
    [{ size: '' }, 'size', 'unsigned 64-bit'],
    [{ page: '1.5' }, 'page', 'unsigned 64-bit'],
    [{ page: '18446744073709551616' }, 'page', 'unsigned 64-bit'],
    [{ id: '-3' }, 'id', 'unsigned 64-bit'],
    [{ active_only: 'yes' }, 'active_only', 'true, false, 1, 0'],
    [{ sort: 'bogus,desc' }, 'sort', 'fields: id, svr_ip'],
    [{ sort: 'time,down' }, 'sort', 'asc, desc'],
    [{ sort: 'time,desc,extra' }, 'sort', 'field,asc|desc'],
    [{ sort: 'info,asc' }, 'sort', 'SQL text'],
    [{ observer_list: '10.0.0.1,nonsense' }, 'observer_list', 'ip:port or [ipv6]:port'],
    [{ observer_list: '10.0.0.1:99999' }, 'observer_list', 'ip:port'],
    [{ user: ['a', 'b'] }, 'user', 'once'],
  ] as const)('rejects %j naming %s and what it accepts', (query, parameter, allowed) => {
    const error = rejection(query);
    expect(error).toMatchObject({ status: 400, errCode: 'Common.IllegalArgument' });
    expect(error.message).toContain(`'${parameter}'`);
    expect(error.message).toContain(allowed);
  });

  it('reads booleans, sort names and orders in any case', () => {
    expect(parseSessionListQuery({ active_only: 'FALSE' }).activeOnly).toBe(false);
    expect(parseSessionListQuery({ active_only: '1' }).activeOnly).toBe(true);
    expect(parseSessionListQuery({ sort: 'Proxy_SessId,DESC' }).sort).toEqual({ key: 'proxy_sess_id', descending: true });
    expect(parseSessionListQuery({ sort: 'time' }).sort).toEqual({ key: 'time', descending: false });
  });

  it('reads observer lists of IPv4 and IPv6, with and without ports', () => {
    const { observers } = parseSessionListQuery({ observer_list: '10.0.0.1, 10.0.0.2:2882,[2001:db8::1]:2882,2001:db8::2,[::1]' });
    expect(observers).toEqual([
      { address: addressKey('10.0.0.1'), port: null },
      { address: addressKey('10.0.0.2'), port: 2882 },
      { address: addressKey('2001:db8::1'), port: 2882 },
      { address: addressKey('2001:db8::2'), port: null },
      { address: addressKey('::1'), port: null },
    ]);
  });

  it('never lets a filter value near SQL: quotes and percent signs are plain text', () => {
    expect(parseSessionListQuery({ user: "' OR 1=1 --", db: '%' })).toMatchObject({ user: "' OR 1=1 --", db: '%' });
    expect(() => parseSessionListQuery({ observer_list: "10.0.0.1:2882') OR ('1'='1" })).toThrow(ObshellError);
  });
});

describe('parseObserverAddress', () => {
  it.each(['', ':2882', '10.0.0.1:', '10.0.0.1:0', '10.0.0.256', 'host.example:2882', '[10.0.0.1', '[2001:db8::1]:x', ' 10.0.0.1'])(
    'rejects %j',
    (text) => {
      expect(parseObserverAddress(text)).toBeNull();
    },
  );
});

describe('parseSessionId and parseSvrIp', () => {
  it('reads a uint64 id and an optional observer', () => {
    expect(parseSessionId('3221588508')).toBe(3221588508n);
    expect(() => parseSessionId('abc')).toThrow("'sessionId'");
    expect(parseSvrIp({})).toBeNull();
    expect(parseSvrIp({ svr_ip: '10.0.0.2:2882' })).toEqual({ address: addressKey('10.0.0.2'), port: 2882 });
    expect(() => parseSvrIp({ svr_ip: 'x' })).toThrow("'svr_ip'");
  });
});
