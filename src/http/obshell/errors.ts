/** obshell's errCodes (reference obshell.md, "Envelope and errors"), plus the one for a target that is down. */
export const ObshellErrCode = {
  TenantNotExist: 'OB.Tenant.NotExist',
  SessionNotExist: 'OB.Tenant.Session.NotExist',
  IllegalArgument: 'Common.IllegalArgument',
  NotFound: 'Common.NotFound',
  Unexpected: 'Common.Unexpected',
  /** obshell reads live and has no such case; clarification 1 wants a 503 for down or stale data. */
  DataUnavailable: 'Common.DataUnavailable',
} as const;

/** A failure a handler throws; the router renders it in obshell's envelope. */
export class ObshellError extends Error {
  constructor(
    readonly status: number,
    readonly errCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ObshellError';
  }
}

/** Request text quoted into a message, cut so that a huge parameter cannot make a huge answer. */
export function quote(value: string): string {
  const max = 100;
  return `'${value.length > max ? `${value.slice(0, max)}...` : value}'`;
}

/** obshell's own wording for Common.IllegalArgument. */
export function illegalArgument(parameter: string, problem: string): ObshellError {
  return new ObshellError(400, ObshellErrCode.IllegalArgument, `the input parameter '${parameter}' is illegal: ${problem}`);
}

export function tenantNotExist(tenant: string): ObshellError {
  return new ObshellError(400, ObshellErrCode.TenantNotExist, `Tenant ${quote(tenant)} does not exist.`);
}

export function sessionNotExist(sessionId: string): ObshellError {
  return new ObshellError(400, ObshellErrCode.SessionNotExist, `Tenant session ${quote(sessionId)} does not exist.`);
}

export function dataUnavailable(detail: string): ObshellError {
  return new ObshellError(503, ObshellErrCode.DataUnavailable, `Session data is unavailable: ${detail}`);
}
