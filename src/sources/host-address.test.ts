import { describe, expect, it } from 'vitest';
import { hostAddress } from './host-address.js';

describe('hostAddress', () => {
  it.each([
    ['10.0.0.1:54321', '10.0.0.1'],
    ['10.0.0.1', '10.0.0.1'],
    ['localhost', 'localhost'],
    ['[::1]:54321', '::1'],
    ['::1:54321', '::1'],
    ['[2001:db8::5]:3306', '2001:db8::5'],
    ['2001:db8::5:40000', '2001:db8::5'],
    ['::ffff:127.0.0.1:5555', '127.0.0.1'],
    ['[::ffff:10.1.2.3]:5555', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['2001:db8:1:2:3:4:5:6:3306', '2001:db8:1:2:3:4:5:6'],
    ['', ''],
    ['app-host.example:1234', 'app-host.example'],
  ])('%j -> %j', (host, address) => {
    expect(hostAddress(host)).toBe(address);
  });
});
