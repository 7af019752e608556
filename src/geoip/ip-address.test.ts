import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIp } from './ip-address.js';

const hex = (bytes: readonly number[] | undefined): string => Buffer.from(bytes ?? []).toString('hex');

describe('parseIp', () => {
  it('parses IPv4', () => {
    expect(parseIp('81.2.69.142')).toEqual({ version: 4, bytes: [81, 2, 69, 142], text: '81.2.69.142' });
  });

  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['2001:218::1', '20010218000000000000000000000001'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['64:ff9b::10.0.0.1', '0064ff9b00000000000000000a000001'],
    ['FC00::ABCD', 'fc00000000000000000000000000abcd'],
  ])('parses IPv6 %s', (input, bytes) => {
    const parsed = parseIp(input);
    expect(parsed?.version).toBe(6);
    expect(hex(parsed?.bytes)).toBe(bytes);
  });

  it('turns IPv4-mapped IPv6 into the IPv4 address it carries', () => {
    expect(parseIp('::ffff:81.2.69.142')).toEqual({ version: 4, bytes: [81, 2, 69, 142], text: '81.2.69.142' });
    expect(parseIp('::ffff:5102:458e')?.text).toBe('81.2.69.142');
    expect(parseIp('::FFFF:10.0.0.1')?.text).toBe('10.0.0.1');
  });

  it('drops zone ids, brackets and surrounding blanks', () => {
    expect(parseIp('fe80::1%eth0')?.text).toBe('fe80::1');
    expect(parseIp('[2001:db8::1]')?.text).toBe('2001:db8::1');
    expect(parseIp(' 8.8.8.8\n')?.text).toBe('8.8.8.8');
  });

  it.each(['', 'localhost', 'garbage', '1.2.3', '1.2.3.4:3306', '256.1.1.1', '010.0.0.1', '1::2::3', 'db.example.com'])(
    'rejects %j',
    (input) => {
      expect(parseIp(input)).toBeNull();
    },
  );

  it('agrees with the URL parser on every IPv6 address', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const parsed = parseIp(address);
        expect(parsed).not.toBeNull();
        if (parsed?.version !== 6) return; // IPv4-mapped: covered above
        const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
        const groups = Array.from({ length: 8 }, (_, i) => ((parsed.bytes[2 * i] ?? 0) << 8) | (parsed.bytes[2 * i + 1] ?? 0));
        expect(new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1)).toBe(canonical);
      }),
    );
  });
});
