import { describe, expect, it } from 'vitest';
import { classifyAddress, type AddressKind } from './reserved.js';

const kindOf = (input: string): AddressKind => classifyAddress(input).kind;

describe('classifyAddress', () => {
  it.each<[string, AddressKind]>([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.10.20', 'link-local'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.15', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['192.88.99.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is %s', (ip, kind) => {
    expect(kindOf(ip)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '81.2.69.142',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
  ])('IPv4 %s is public (range edges included)', (ip) => {
    expect(kindOf(ip)).toBe('public');
  });

  it.each<[string, AddressKind]>([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::2', 'reserved'],
    ['::1.2.3.4', 'reserved'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'private'],
    ['2001::1', 'reserved'],
    ['2001:1ff::1', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['5f00::1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'reserved'],
    ['1::1', 'reserved'],
  ])('IPv6 %s is %s', (ip, kind) => {
    expect(kindOf(ip)).toBe(kind);
  });

  it.each(['2001:4860:4860::8888', '2001:218::1', '2606:4700:4700::1111', '2a00:1450:4001::1', '2001:200::1', '3ffe::1'])(
    'IPv6 %s is public',
    (ip) => {
      expect(kindOf(ip)).toBe('public');
    },
  );

  it('classifies IPv4-mapped IPv6 by the IPv4 address inside', () => {
    expect(classifyAddress('::ffff:10.1.2.3')).toMatchObject({ kind: 'private', address: { version: 4, text: '10.1.2.3' } });
    expect(classifyAddress('::ffff:127.0.0.1').kind).toBe('loopback');
    expect(classifyAddress('::ffff:8.8.8.8')).toMatchObject({ kind: 'public', address: { text: '8.8.8.8' } });
  });

  it('treats "localhost" (socket connections) as loopback', () => {
    expect(kindOf('localhost')).toBe('loopback');
    expect(kindOf('LocalHost')).toBe('loopback');
  });

  it.each(['', ' ', 'garbage', 'db-client.example.com', '1.2.3.4:5678', '999.1.1.1', '::g'])('%j is unknown', (input) => {
    expect(classifyAddress(input)).toEqual({ kind: 'unknown', address: null });
  });
});
