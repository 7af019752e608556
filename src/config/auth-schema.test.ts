import { afterEach, describe, expect, it } from 'vitest';
import { authSchema } from './auth-schema.js';

describe('authSchema', () => {
  afterEach(() => {
    delete process.env.DBSESSION_TEST_OBSHELL_PASSWORD;
  });

  it('expands ${ENV} in the obshell password', () => {
    process.env.DBSESSION_TEST_OBSHELL_PASSWORD = 's3cret';
    const auth = authSchema.parse({ obshell: { password: '${DBSESSION_TEST_OBSHELL_PASSWORD}', max_ts_ahead: '10m' } });
    expect(auth.obshell).toEqual({ password: 's3cret', max_ts_ahead: '10m' });
  });

  it('names a missing variable without showing the value', () => {
    const result = authSchema.safeParse({ obshell: { password: 'x${DBSESSION_TEST_OBSHELL_PASSWORD}' } });
    expect(result.error?.issues[0]?.message).toBe('environment variable DBSESSION_TEST_OBSHELL_PASSWORD is not set');
  });

  it('keeps the obshell rules: not both password and password_file, no unknown keys', () => {
    expect(authSchema.safeParse({ obshell: { password: 'a', password_file: '/p' } }).error?.issues[0]?.message).toBe(
      'set password or password_file, not both',
    );
    expect(authSchema.safeParse({ obshell: { pasword_file: '/p' } }).success).toBe(false);
    expect(authSchema.safeParse({ obshel: {} }).success).toBe(false);
  });

  it('leaves a family without configuration open', () => {
    expect(authSchema.parse({})).toEqual({});
  });
});
