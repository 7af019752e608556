import { describe, expect, it } from 'vitest';
import type { DatabaseInfo } from '../snapshot/snapshot.js';
import { dbAccountItems, dbClientItems, schemaIds, schemasNamed } from './distribution.js';

const DATABASES: DatabaseInfo[] = [
  { tenant: 't1', name: 'test', id: 500001 },
  { tenant: 't1', name: 'shop', id: 500002 },
  { tenant: 't2', name: 'dw', id: 500101 },
];

describe('schemaIds', () => {
  it("maps the tenant's schema names to their ids as text, and nothing of other tenants", () => {
    expect([...schemaIds(DATABASES, 't1')]).toEqual([
      ['test', '500001'],
      ['shop', '500002'],
    ]);
    expect(schemaIds(DATABASES, 'mysql').size).toBe(0);
  });
});

describe('schemasNamed', () => {
  const ids = schemaIds(DATABASES, 't1');

  it('takes ids of known schemas as those schemas and anything else as a schema name', () => {
    expect(schemasNamed(['500002', 'orders', '500101'], ids)).toEqual(['shop', 'orders', '500101']);
  });

  it('names a schema once however often it is asked for', () => {
    expect(schemasNamed(['500002', 'shop', '500002'], ids)).toEqual(['shop']);
  });
});

describe('dbClientItems', () => {
  it('has the seed shape: client address in db_ip, id as text where known, null schema for none', () => {
    const items = dbClientItems(
      [
        { db: 'shop', client_ip: '100.79.0.248', sessions: 16 },
        { db: '', client_ip: '100.79.0.247', sessions: 13 },
        { db: 'orders', client_ip: '100.79.0.247', sessions: 2 },
      ],
      schemaIds(DATABASES, 't1'),
    );
    expect(items).toEqual([
      { db_id: '500002', db_ip: '100.79.0.248', db_name: 'shop', session_num: 16 },
      { db_id: null, db_ip: '100.79.0.247', db_name: null, session_num: 13 },
      { db_id: null, db_ip: '100.79.0.247', db_name: 'orders', session_num: 2 },
    ]);
    expect(Object.keys(items[0]!)).toEqual(['db_id', 'db_ip', 'db_name', 'session_num']);
  });

  it('sorts by sessions, then schema with none first, then address in code-unit order', () => {
    const items = dbClientItems(
      [
        { db: 'b', client_ip: '10.0.0.2', sessions: 1 },
        { db: 'a', client_ip: '10.0.0.9', sessions: 1 },
        { db: 'a', client_ip: '10.0.0.10', sessions: 1 },
        { db: '', client_ip: '10.0.0.3', sessions: 1 },
        { db: 'z', client_ip: '10.0.0.1', sessions: 5 },
      ],
      new Map(),
    );
    expect(items.map((i) => `${i.session_num} ${i.db_name} ${i.db_ip}`)).toEqual([
      '5 z 10.0.0.1',
      '1 null 10.0.0.3',
      '1 a 10.0.0.10',
      '1 a 10.0.0.9',
      '1 b 10.0.0.2',
    ]);
  });
});

describe('dbAccountItems', () => {
  it('adds db_user after db_name, with no single address to give', () => {
    const items = dbAccountItems(
      [
        { db: 'shop', user: 'app', sessions: 3 },
        { db: 'shop', user: 'admin', sessions: 3 },
        { db: 'test', user: 'root', sessions: 7 },
      ],
      schemaIds(DATABASES, 't1'),
    );
    expect(items).toEqual([
      { db_id: '500001', db_ip: null, db_name: 'test', db_user: 'root', session_num: 7 },
      { db_id: '500002', db_ip: null, db_name: 'shop', db_user: 'admin', session_num: 3 },
      { db_id: '500002', db_ip: null, db_name: 'shop', db_user: 'app', session_num: 3 },
    ]);
    expect(Object.keys(items[0]!)).toEqual(['db_id', 'db_ip', 'db_name', 'db_user', 'session_num']);
  });
});
