import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** The body Alertmanager's webhook receiver posts (version 4). */
const Notification = z.object({
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels: z.record(z.string(), z.string()),
      annotations: z.record(z.string(), z.string()),
      startsAt: z.string(),
      endsAt: z.string(),
    }),
  ),
});
export type Notification = z.infer<typeof Notification>;
export type NotifiedAlert = Notification['alerts'][number];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An HTTP server in the test that records every notification Alertmanager sends it. */
export interface WebhookReceiver {
  readonly url: string;
  readonly notifications: readonly Notification[];
  /** Resolves with the first alert, already received or still to come, that `match` accepts. */
  waitForAlert(match: (alert: NotifiedAlert, notification: Notification) => boolean, timeoutMs: number): Promise<NotifiedAlert>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: Notification[] = [];
  const listeners = new Set<() => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = Notification.safeParse(parseJson(body));
      // Anything else is a bug in the test setup: answer so that Alertmanager logs it, and keep it out.
      res.writeHead(parsed.success ? 200 : 400).end();
      if (!parsed.success) return;
      notifications.push(parsed.data);
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const find = (match: (alert: NotifiedAlert, notification: Notification) => boolean) => {
    for (const notification of notifications) {
      const alert = notification.alerts.find((a) => match(a, notification));
      if (alert) return alert;
    }
    return undefined;
  };
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    waitForAlert: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const alert = find(match);
          if (!alert) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(alert);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching alert within ${timeoutMs} ms; received: ${JSON.stringify(notifications)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
