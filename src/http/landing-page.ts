import type { Request, Response } from 'express';

export interface LandingLink {
  readonly href: string;
  readonly text: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page like the other exporters' at `/`: what this is and where to go. Holds no secret. */
export function landingPage(version: string, links: readonly LandingLink[]) {
  const items = links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></li>`).join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>db-session-exporter</title></head>
<body>
<h1>db-session-exporter</h1>
<p>Prometheus and OpenTelemetry exporter for database sessions, version ${escapeHtml(version)}.</p>
<ul>
${items}
</ul>
</body></html>
`;
  return (_req: Request, res: Response): void => {
    res.status(200).type('html').send(html);
  };
}
