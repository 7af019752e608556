import { describe, expect, it } from 'vitest';
import { geoIpConfigSchema } from './config.js';

describe('geoIpConfigSchema', () => {
  it('accepts no database (embedded default) or a path', () => {
    expect(geoIpConfigSchema.parse({})).toEqual({});
    expect(geoIpConfigSchema.parse({ database: '/var/lib/GeoIP/GeoLite2-City.mmdb' })).toEqual({ database: '/var/lib/GeoIP/GeoLite2-City.mmdb' });
  });

  it('rejects an empty path and unknown keys', () => {
    expect(geoIpConfigSchema.safeParse({ database: '' }).error?.issues[0]?.message).toMatch(/embedded default/);
    expect(geoIpConfigSchema.safeParse({ databse: '/x.mmdb' }).success).toBe(false);
  });
});
