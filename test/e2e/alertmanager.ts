import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/mariadb.js';
import { requireBinary, startDaemon, type Daemon } from './daemon.js';

/** A real Alertmanager on loopback, without clustering, routing every alert to one webhook. */
export interface AlertmanagerServer extends Daemon {
  /** host:port, for Prometheus' alerting config. */
  readonly address: string;
}

export async function startAlertmanager(webhookUrl: string): Promise<AlertmanagerServer> {
  const binary = requireBinary(['prometheus-alertmanager', 'alertmanager'], 'prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-alertmanager-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    stringify({
      route: {
        receiver: 'webhook',
        group_by: ['alertname', 'target', 'tenant'],
        // Short enough that a firing or resolved alert reaches the webhook within a second or two.
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [{ name: 'webhook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
    }),
  );
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const daemon = await startDaemon({
    name: 'Alertmanager',
    command: binary,
    args: [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      // No gossip port: a single instance on loopback.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    url: `http://${address}`,
    readyPath: '/-/ready',
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...daemon,
    address,
    async stop() {
      const code = await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
