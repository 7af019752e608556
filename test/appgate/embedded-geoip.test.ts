import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryInfo } from '../../src/geoip/countries.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { obSession } from '../support/oceanbase-schema.js';
import { emulateOceanBase } from './emulated-oceanbase.js';
import { valueOf } from '../support/prometheus-text.js';
import { dashboardOf, eventually } from './dashboard-client.js';

function centroid(country: string) {
  const info = countryInfo(country);
  if (info === undefined) throw new Error(`no country table row for ${country}`);
  return { latitude: info.latitude, longitude: info.longitude, countryCode: country, continentCode: info.continent };
}

/** Registries' and root servers' addresses, stable in whois data; an IPv4-mapped one too. */
const ROWS = [
  obSession({ ID: 3221700001, USER_CLIENT_IP: '8.8.8.8' }),
  obSession({ ID: 3221700002, USER_CLIENT_IP: '2001:4860:4860::8888' }),
  obSession({ ID: 3221700003, USER_CLIENT_IP: '193.0.6.139' }),
  obSession({ ID: 3221700004, USER_CLIENT_IP: '2001:67c:2e8:22::c100:68b' }),
  obSession({ ID: 3221700005, USER_CLIENT_IP: '8.8.4.4' }),
  obSession({ ID: 3221700006, USER_CLIENT_IP: '::ffff:202.12.27.33' }),
  obSession({ ID: 3221700007, USER_CLIENT_IP: '192.168.1.1' }),
];

describe('the dashboard with the embedded country database (no geoip config, no download)', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    await emulateOceanBase(db, ROWS);
    exporter = await startExporterProcess({ scrape_interval: '1s', targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }] });
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('places IPv4, IPv6 and IPv4-mapped clients at their country centroid with its continent', async () => {
    const dashboard = await eventually(async () => {
      const d = await dashboardOf(exporter.url, '/stats/active-sessions/dashboard');
      expect(d.totalCount).toBe(7);
      return d;
    });
    expect(dashboard.geoIpData).toEqual([
      { sessionCount: 3, ...centroid('US'), ips: ['8.8.4.4', '8.8.8.8', '2001:4860:4860::8888'] },
      { sessionCount: 2, ...centroid('NL'), ips: ['193.0.6.139', '2001:67c:2e8:22::c100:68b'] },
      { sessionCount: 1, ...centroid('JP'), ips: ['::ffff:202.12.27.33'] },
    ]);
    expect(dashboard.versions).toEqual({});
  });

  it('labels the country metrics the same way, the private address included', async () => {
    const s = await exporter.samples();
    const country = (c: string, continent: string) =>
      valueOf(s, 'dbsession_country_sessions', { target: 'ob', tenant: 't1', country: c, continent });
    expect([country('US', 'NA'), country('NL', 'EU'), country('JP', 'AS'), country('private', 'private')]).toEqual([3, 2, 1, 1]);
    expect(valueOf(s, 'dbsession_client_sessions', { client_ip: '2001:67c:2e8:22::c100:68b', country: 'NL' })).toBe(1);
  });
});
