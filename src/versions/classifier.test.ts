import { describe, expect, it } from 'vitest';
import { createClientClassifier } from './classifier.js';
import { clientVersionsConfigSchema } from './config.js';

const blank = { client_name: '', client_version: '', module: '', action: '', client_info: '' };

describe('createClientClassifier', () => {
  const classify = createClientClassifier(
    clientVersionsConfigSchema.parse({
      rules: [{ column: 'action', pattern: '^(?<client>\\w+)@(?<version>.+)$' }],
      policy: { default: { full: '>=2', partial: '1.x' } },
    }),
  );

  it('combines the announced client with its support', () => {
    expect(classify({ ...blank, client_name: 'pymysql', client_version: '1.1.0' })).toEqual({
      client: 'pymysql',
      version: '1.1.0',
      support: 'partial',
    });
    expect(classify({ ...blank, action: 'batch@2.0.1' })).toEqual({ client: 'batch', version: '2.0.1', support: 'full' });
    expect(classify({ ...blank, action: 'batch@0.9' })).toEqual({ client: 'batch', version: '0.9', support: 'none' });
    expect(classify(blank)).toEqual({ client: 'unknown', version: 'unknown', support: 'unknown' });
  });

  it('keys its memory on every column a rule reads', () => {
    expect(classify({ ...blank, action: 'a@1.0.0' }).client).toBe('a');
    expect(classify({ ...blank, action: 'b@3.0.0' })).toEqual({ client: 'b', version: '3.0.0', support: 'full' });
  });

  it('without a policy leaves every client unknown', () => {
    const plain = createClientClassifier(clientVersionsConfigSchema.parse({}));
    expect(plain({ ...blank, client_name: 'pymysql', client_version: '1.1.0' })).toEqual({
      client: 'pymysql',
      version: '1.1.0',
      support: 'unknown',
    });
  });
});
