import { describe, expect, it } from 'vitest';
import { wantsOpenMetrics } from './metrics-route.js';

describe('wantsOpenMetrics', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['application/openmetrics-text; version=1.0.0', true],
    ['application/openmetrics-text', true],
    ['APPLICATION/OpenMetrics-Text;Version=0.0.1', true],
    // What Prometheus 2 and 3 send by default: OpenMetrics first.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
    [
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      true,
    ],
    // Prometheus with scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]: text preferred.
    ['text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1', false],
    // q decides, not the order.
    ['text/plain;q=0.5, application/openmetrics-text;q=0.6', true],
    ['application/openmetrics-text;q=0.6, text/plain;q=0.7', false],
    // Equal q: the header's order.
    ['application/openmetrics-text;q=0.5, text/plain;q=0.5', true],
    ['text/plain;q=0.5, application/openmetrics-text;q=0.5', false],
    // q=0 is "not acceptable".
    ['application/openmetrics-text;q=0', false],
    ['application/openmetrics-text; q=0.000, text/plain;q=0.1', false],
    // Ranges we cannot serve are passed over, whatever their q.
    ['text/html, application/openmetrics-text;q=0.1', true],
    ['*/*, application/openmetrics-text;q=0.5', true],
    ['application/openmetrics-text;version=2.0.0, text/plain;q=0.1', false],
    ['text/plain;version=0.0.5, application/openmetrics-text;q=0.1', true],
    // A malformed q drops its range.
    ['application/openmetrics-text;q=abc', false],
    ['application/openmetrics-text;q=', false],
    ['application/openmetrics-text;q=1.5', false],
    ['application/openmetrics-text;q=0.0001', false],
    ['openmetrics', false],
  ])('%j -> %j', (accept, expected) => {
    expect(wantsOpenMetrics(accept)).toBe(expected);
  });
});
