import { describe, expect, it } from 'vitest';
import { announcedClient, compileRules, MAX_NAME_LENGTH, type ClientColumns } from './client-version.js';

const blank: ClientColumns = { client_name: '', client_version: '', module: '', action: '', client_info: '' };
const rules = compileRules([
  { column: 'client_info', pattern: 'client=(?<client>[\\w-]+)/(?<version>[^;]+)' },
  { column: 'module', pattern: '^(?<client>[a-z]+)(?: v(?<version>\\S+))?$' },
]);

describe('announcedClient', () => {
  it('takes connect attributes first', () => {
    const session = { ...blank, client_name: 'Node-MySQL-2', client_version: '3.14.2', client_info: 'client=x/1' };
    expect(announcedClient(session, rules)).toEqual({ client: 'Node-MySQL-2', version: '3.14.2' });
    expect(announcedClient({ ...blank, client_name: 'libmysql' }, rules)).toEqual({ client: 'libmysql', version: 'unknown' });
  });

  it('otherwise applies the first rule that finds a client', () => {
    expect(announcedClient({ ...blank, client_info: 'app=orders;client=ob-jdbc/2.4.3', module: 'web v9' }, rules)).toEqual({
      client: 'ob-jdbc',
      version: '2.4.3',
    });
    expect(announcedClient({ ...blank, client_info: 'nothing here', module: 'web v9' }, rules)).toEqual({ client: 'web', version: '9' });
    expect(announcedClient({ ...blank, module: 'web' }, rules)).toEqual({ client: 'web', version: 'unknown' });
  });

  it('reports unknown when nothing matches or no rule is configured', () => {
    expect(announcedClient({ ...blank, module: 'Web 9' }, rules)).toEqual({ client: 'unknown', version: 'unknown' });
    expect(announcedClient({ ...blank, client_info: 'client=ob-jdbc/2.4.3' }, [])).toEqual({ client: 'unknown', version: 'unknown' });
  });

  it('cuts client-chosen strings to a label-sized length', () => {
    const long = 'x'.repeat(1000);
    const result = announcedClient({ ...blank, client_name: long, client_version: ` ${long} ` }, []);
    expect(result.client).toHaveLength(MAX_NAME_LENGTH);
    expect(result.version).toHaveLength(MAX_NAME_LENGTH);
  });
});
