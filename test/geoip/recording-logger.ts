import type { GeoIpLogger } from '../../src/geoip/resolver.js';

export interface LogLine {
  readonly level: 'info' | 'warn';
  readonly obj: object;
  readonly msg: string;
}

/** A GeoIpLogger that keeps what it was told, for assertions. */
export function recordingLogger(): GeoIpLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  };
}
