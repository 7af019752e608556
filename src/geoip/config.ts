import { z } from 'zod';

/**
 * The `geoip` section. Without `database` the embedded CC0 country database is used; with it,
 * a MaxMind GeoIP2/GeoLite2 City or Country file (or any MMDB with a `country_code` field),
 * reloaded whenever the file is replaced.
 */
export const geoIpConfigSchema = z.strictObject({
  database: z.string().min(1, 'give the path of an .mmdb file, or leave database out for the embedded default').optional(),
});

export type GeoIpConfig = z.infer<typeof geoIpConfigSchema>;
