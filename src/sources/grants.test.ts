import { describe, expect, it } from 'vitest';
import { grantsHoldProcess } from './grants.js';

describe('grantsHoldProcess', () => {
  it.each([
    [['GRANT PROCESS ON *.* TO `exporter`@`%`'], true],
    [['GRANT SELECT, PROCESS, BINLOG MONITOR ON *.* TO `lst`@`%`'], true],
    [['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], true],
    [['GRANT `monitor` TO `viarole`@`%`', 'GRANT USAGE ON *.* TO `viarole`@`%`', 'GRANT PROCESS ON *.* TO `monitor`'], true],
    [['GRANT USAGE ON *.* TO `plain`@`%`'], false],
    // PROCESS is a global privilege: anything on a schema is not it, whatever the schema is called.
    [['GRANT ALL PRIVILEGES ON `process`.* TO `u`@`%`', 'GRANT SELECT ON `performance_schema`.* TO `u`@`%`'], false],
    // A role granted but not enabled: its privileges are not listed, and not held.
    [['GRANT `monitor` TO `off`@`%`', 'GRANT USAGE ON *.* TO `off`@`%`'], false],
    [['GRANT PROCESSLIST_READER ON *.* TO `u`@`%`'], false],
    [[], false],
  ])('%j -> %j', (grants, expected) => {
    expect(grantsHoldProcess(grants)).toBe(expected);
  });
});
