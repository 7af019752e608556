import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sessionFixture } from '../../test/support/session-fixture.js';
import type { Session } from '../snapshot/session.js';
import {
  DEFAULT_LIST_QUERY,
  addressKey,
  findSessions,
  firstInOrder,
  listSessions,
  sortKeyOf,
  tenantSessions,
  type SessionListQuery,
} from './obshell-sessions.js';

const query = (overrides: Partial<SessionListQuery>): SessionListQuery => ({ ...DEFAULT_LIST_QUERY, ...overrides });
const ids = (sessions: readonly Session[]) => sessions.map((s) => s.id);

const SESSIONS: readonly Session[] = [
  sessionFixture({ id: 5, user: 'root', db: 'test', client_ip: '10.0.0.5', host: '10.0.0.5:1000', time: 3, state: 'ACTIVE' }),
  sessionFixture({ id: 2, user: 'app_rw', db: 'Shop', client_ip: '2001:db8::7', host: '2001:db8::7', time: 9 }),
  sessionFixture({ id: 9, user: 'APP_ro', db: '', client_ip: '198.51.100.20', host: '198.51.100.20', time: 3, state: 'ACTIVE' }),
  sessionFixture({ id: 2, svr_ip: '10.0.0.2', user: 'report', db: 'dw', client_ip: '10.0.0.50', host: '10.0.0.50:4', time: 1 }),
  sessionFixture({ id: 7, tenant: 't2', user: 'root' }),
];
const T1 = tenantSessions(SESSIONS, 't1');

describe('listSessions', () => {
  it('counts every match in total, not the page, and pages with stable order', () => {
    const first = listSessions(T1, query({ size: 3n }));
    expect(first).toMatchObject({ total: 4, totalPages: 2 });
    expect(ids(first.sessions)).toEqual([2, 2, 5]);
    // Equal ids break by svr_ip: 10.0.0.1 before 10.0.0.2.
    expect(first.sessions.map((s) => s.svr_ip).slice(0, 2)).toEqual(['10.0.0.1', '10.0.0.2']);
    const second = listSessions(T1, query({ size: 3n, page: 2n }));
    expect(ids(second.sessions)).toEqual([9]);
    expect(second.total).toBe(4);
  });

  it('answers an empty page with correct totals beyond the end, even for a page near 2^64', () => {
    expect(listSessions(T1, query({ size: 2n, page: 3n }))).toEqual({ total: 4, totalPages: 2, sessions: [] });
    expect(listSessions(T1, query({ size: 2n ** 64n - 1n, page: 2n ** 64n - 1n }))).toEqual({ total: 4, totalPages: 1, sessions: [] });
    expect(listSessions([], DEFAULT_LIST_QUERY)).toEqual({ total: 0, totalPages: 0, sessions: [] });
  });

  it('returns everything with the default size', () => {
    expect(listSessions(T1, DEFAULT_LIST_QUERY).sessions).toHaveLength(4);
  });

  it('filters user and db by case-insensitive substring, host by the real client address, IPv6 too', () => {
    expect(ids(listSessions(T1, query({ user: 'app' })).sessions)).toEqual([2, 9]);
    expect(ids(listSessions(T1, query({ db: 'shop' })).sessions)).toEqual([2]);
    expect(ids(listSessions(T1, query({ host: 'db8::' })).sessions)).toEqual([2]);
    expect(ids(listSessions(T1, query({ host: '10.0.0.5' })).sessions)).toEqual([2, 5]);
    expect(ids(listSessions(T1, query({ user: 'app', host: '198.51' })).sessions)).toEqual([9]);
  });

  it('finds exactly the sessions a plain scan finds, whichever filters are combined', () => {
    const word = fc.constantFrom('', 'a', 'B', 'ab', 'shop', 'Shop', '10.', '::1', 'x');
    const arbitrarySession = fc.record({ user: word, db: word, client_ip: word, active: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arbitrarySession, { maxLength: 60 }), word, word, word, fc.boolean(), (rows, user, db, host, activeOnly) => {
        const sessions = rows.map((r, i) => sessionFixture({ id: i + 1, user: r.user, db: r.db, client_ip: r.client_ip, state: r.active ? 'ACTIVE' : 'SLEEP' }));
        const has = (value: string, part: string) => value.toLowerCase().includes(part.toLowerCase());
        const expected = sessions.filter(
          (s) => has(s.user, user) && has(s.db, db) && has(s.client_ip, host) && (!activeOnly || s.state === 'ACTIVE'),
        );
        expect(ids(listSessions(sessions, query({ user, db, host, activeOnly })).sessions)).toEqual(ids(expected));
      }),
    );
  });

  it('filters by exact id (0: none), active sessions and observers', () => {
    expect(ids(listSessions(T1, query({ id: 2n })).sessions)).toEqual([2, 2]);
    expect(listSessions(T1, query({ id: 0n })).total).toBe(4);
    expect(listSessions(T1, query({ id: 2n ** 63n })).total).toBe(0);
    expect(ids(listSessions(T1, query({ activeOnly: true })).sessions)).toEqual([5, 9]);
    const observer = { address: addressKey('10.0.0.2'), port: null };
    expect(ids(listSessions(T1, query({ observers: [observer] })).sessions)).toEqual([2]);
    expect(listSessions(T1, query({ observers: [{ ...observer, port: 2882 }] })).total).toBe(1);
    expect(listSessions(T1, query({ observers: [{ ...observer, port: 2883 }] })).total).toBe(0);
  });

  it('sorts by any field either way, ties by id', () => {
    const byTimeDesc = listSessions(T1, query({ sort: { key: 'time', descending: true } }));
    expect(ids(byTimeDesc.sessions)).toEqual([2, 5, 9, 2]);
    const byTimeAsc = listSessions(T1, query({ sort: { key: 'time', descending: false } }));
    expect(ids(byTimeAsc.sessions)).toEqual([2, 5, 9, 2]);
    expect(byTimeAsc.sessions.map((s) => s.time)).toEqual([1, 3, 3, 9]);
    const byUser = listSessions(T1, query({ sort: { key: 'user', descending: false } }));
    expect(byUser.sessions.map((s) => s.user)).toEqual(['APP_ro', 'app_rw', 'report', 'root']);
  });

  it('never overlaps or drops sessions across pages, whatever the sort and size', () => {
    const arbitrarySession = fc.record({ id: fc.integer({ min: 1, max: 6 }), time: fc.integer({ min: 0, max: 3 }), svr: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbitrarySession, { selector: (s) => `${s.id}/${s.svr}` }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (rows, size, descending) => {
          const sessions = rows.map((r) => sessionFixture({ id: r.id, time: r.time, svr_ip: `10.0.0.${r.svr}` }));
          const sort = { key: 'time' as const, descending };
          const pages = Math.ceil(sessions.length / size);
          const seen = Array.from({ length: pages }, (_, i) =>
            listSessions(sessions, query({ sort, size: BigInt(size), page: BigInt(i + 1) })).sessions,
          ).flat();
          expect(seen).toEqual(listSessions(sessions, query({ sort })).sessions);
          expect(new Set(seen.map((s) => `${s.id}/${s.svr_ip}`)).size).toBe(sessions.length);
        },
      ),
    );
  });
});

describe('firstInOrder', () => {
  it('gives the first items of a full sort, however few are asked of however many', () => {
    const byValueThenIndex = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), fc.nat({ max: 40 }), (values, count) => {
        const items = values.map((v, i): [number, number] => [v, i]);
        const expected = [...items].sort(byValueThenIndex).slice(0, count);
        expect(firstInOrder([...items], count, byValueThenIndex)).toEqual(expected);
      }),
    );
  });
});

describe('tenantSessions', () => {
  it('gives each tenant its sessions in snapshot order, and none to a tenant without any', () => {
    expect(ids(tenantSessions(SESSIONS, 't1'))).toEqual([5, 2, 9, 2]);
    expect(ids(tenantSessions(SESSIONS, 't2'))).toEqual([7]);
    expect(tenantSessions(SESSIONS, 't3')).toEqual([]);
  });
});

describe('sortKeyOf', () => {
  it('knows JSON and column names in any case, host meaning the real client', () => {
    expect(sortKeyOf('TIME')).toBe('time');
    expect(sortKeyOf('Proxy_Sess_Id')).toBe('proxy_sess_id');
    expect(sortKeyOf('PROXY_SESSID')).toBe('proxy_sess_id');
    expect(sortKeyOf('user_client_ip')).toBe('client_ip');
    expect(sortKeyOf('HOST')).toBe('host');
    expect(sortKeyOf('info')).toBeUndefined();
    expect(sortKeyOf('country')).toBeUndefined();
  });
});

describe('findSessions', () => {
  it('finds every observer\'s session with an id, or the one on a given observer', () => {
    expect(findSessions(T1, 2n, null)).toHaveLength(2);
    expect(findSessions(T1, 2n, { address: addressKey('10.0.0.2'), port: null }).map((s) => s.user)).toEqual(['report']);
    expect(findSessions(T1, 3n, null)).toEqual([]);
  });
});

describe('addressKey', () => {
  it('compares IPv6 spellings and IPv4-mapped forms as one address', () => {
    expect(addressKey('2001:DB8::1')).toBe(addressKey('2001:db8:0:0::1'));
    expect(addressKey('::ffff:10.0.0.1')).toBe(addressKey('10.0.0.1'));
    expect(addressKey('10.0.0.1')).not.toBe(addressKey('10.0.0.2'));
    expect(addressKey('obs-1')).toBe('obs-1');
  });
});
