/** `GRANT <privileges> ON *.* TO ...`: a global grant line of SHOW GRANTS. */
const GLOBAL_GRANT = /^GRANT\s+(.+?)\s+ON\s+\*\.\*\s+TO\s/i;

/**
 * Whether SHOW GRANTS of the current session holds PROCESS. SHOW GRANTS (not
 * information_schema.USER_PRIVILEGES) because on MariaDB it also lists the grants of the enabled
 * role and the roles nested in it, and only those: a role granted but not enabled lists no
 * privileges, just as it gives none. MySQL 8 lists granted roles without their privileges, so
 * PROCESS through a MySQL role still reads as missing.
 */
export function grantsHoldProcess(grants: readonly string[]): boolean {
  return grants.some((line) => {
    const privileges = GLOBAL_GRANT.exec(line.trim())?.[1];
    if (privileges === undefined) return false;
    return privileges.split(',').some((p) => /^(PROCESS|ALL|ALL PRIVILEGES)$/i.test(p.trim()));
  });
}
