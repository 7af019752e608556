import express, { type Express, type Request, type Response, type Router } from 'express';
import { landingPage, type LandingLink } from './landing-page.js';

export interface ApiMount {
  /** Mounted at this path, and again under /targets/:target (clarification 9). */
  readonly path: string;
  readonly router: Router;
  readonly links?: readonly LandingLink[];
}

export interface HttpAppOptions {
  readonly version: string;
  readonly metrics: (req: Request, res: Response) => Promise<void>;
  readonly ready: () => boolean;
  readonly reload: () => Promise<{ ok: boolean; error?: string }>;
  readonly apis: readonly ApiMount[];
}

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const links: LandingLink[] = [
    { href: './metrics', text: 'Metrics' },
    { href: './-/healthy', text: 'Health' },
    { href: './-/ready', text: 'Readiness' },
    ...options.apis.flatMap((api) => api.links ?? []),
  ];
  app.get('/', landingPage(options.version, links));
  app.get('/metrics', (req, res, next) => {
    options.metrics(req, res).catch(next);
  });
  app.get('/-/healthy', (_req, res) => {
    res.status(200).type('text').send('Healthy.\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (options.ready()) res.status(200).type('text').send('Ready.\n');
    else res.status(503).type('text').send('Not ready: not every target has been scraped yet.\n');
  });
  const reload = (_req: Request, res: Response) => {
    options.reload().then(
      (result) => {
        if (result.ok) res.status(200).type('text').send('Config reloaded.\n');
        else res.status(500).type('text').send(`Config not reloaded, the previous one stays in use: ${result.error}\n`);
      },
      (error: unknown) => res.status(500).type('text').send(`Config not reloaded: ${String(error)}\n`),
    );
  };
  app.post('/-/reload', reload);
  app.put('/-/reload', reload);

  for (const api of options.apis) {
    app.use(api.path, api.router);
    app.use(`/targets/:target${api.path === '/' ? '' : api.path}`, api.router);
  }
  return app;
}
