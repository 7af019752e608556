import { describe, expect, it } from 'vitest';
import { negotiateJson } from './accept.js';

describe('negotiateJson', () => {
  it('answers JSON to no Accept, JSON and wildcards', () => {
    for (const accept of [undefined, '', 'application/json', '*/*', 'application/*', 'text/html, application/json;q=0.5', 'Application/JSON; charset=utf-8']) {
      expect(negotiateJson(accept), String(accept)).toBe('application/json');
    }
  });

  it('echoes an Appgate peer type, whatever its version', () => {
    expect(negotiateJson('application/vnd.appgate.peer-v18+json')).toBe('application/vnd.appgate.peer-v18+json');
    expect(negotiateJson('application/vnd.appgate.peer-v7+json, */*;q=0.1')).toBe('application/vnd.appgate.peer-v7+json');
  });

  it('prefers the range of highest quality', () => {
    expect(negotiateJson('application/json;q=0.2, application/vnd.appgate.peer-v18+json;q=0.9')).toBe(
      'application/vnd.appgate.peer-v18+json',
    );
  });

  it('refuses what we cannot produce, ranges of quality 0 and malformed qualities', () => {
    for (const accept of ['text/html', 'application/xml, text/*', 'application/json;q=0', 'application/json;q=2', 'application/vnd.appgate.peer-vX+json', ';q=1']) {
      expect(negotiateJson(accept), accept).toBeNull();
    }
  });
});
