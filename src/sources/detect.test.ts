import { describe, expect, it } from 'vitest';
import { detectFlavor } from './detect.js';

describe('detectFlavor', () => {
  it.each([
    [{ version: '5.7.25-OceanBase-v4.2.1.0', versionComment: 'OceanBase 4.2.1.0 (r1) (Built Oct 1 2023)' }, 'oceanbase'],
    [{ version: '5.7.25', versionComment: 'OceanBase_CE 4.3.0.1' }, 'oceanbase'],
    [{ version: '10.11.19-MariaDB-0+deb12u1', versionComment: 'Debian 12' }, 'mysql'],
    [{ version: '8.0.36', versionComment: 'MySQL Community Server - GPL' }, 'mysql'],
    [{ version: '8.0.11-TiDB-v7.5.0', versionComment: 'TiDB Server (Apache License 2.0)' }, 'mysql'],
  ] as const)('%j is %s', (server, flavor) => {
    expect(detectFlavor(server)).toBe(flavor);
  });
});
