// `smit serve`: the run folder over HTTP on 127.0.0.1 only, read-only, so the
// report's viewer can load volumes too large to embed in the page.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { escapeHtml } from './html.js';
import { REPORT_FILE } from './write_report.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  // Sent as is, without Content-Encoding: NiiVue inflates .nii.gz itself.
  '.gz': 'application/gzip',
  '.nii': 'application/octet-stream',
};

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

function listing(root: string, dir: string, urlPath: string): string {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const base = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
  const items = entries.map((e) => {
    const name = e.isDirectory() ? `${e.name}/` : e.name;
    return `<li><a href="${escapeHtml(base + encodeURIComponent(e.name) + (e.isDirectory() ? '/' : ''))}">${escapeHtml(name)}</a></li>`;
  });
  const title = escapeHtml(dir === root ? root : dir);
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><ul>${items.join('')}</ul>\n`;
}

/** Serves `root` (GET and HEAD) on 127.0.0.1:`port`; port 0 picks a free one. */
export function serveFolder(root: string, port: number): Promise<RunningServer> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const send = (status: number, text: string) => {
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${text}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(405, 'only GET and HEAD');
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad path');
    }
    const path = resolve(base, `.${urlPath}`);
    if (urlPath.includes('\0') || (path !== base && !path.startsWith(base + sep))) return send(403, 'outside the served folder');
    const info = statSync(path, { throwIfNoEntry: false });
    // Browsers ask for one unprompted; a 404 would be a console error on the report's page.
    if (info === undefined && urlPath === '/favicon.ico') {
      response.writeHead(204);
      return response.end();
    }
    if (info === undefined) return send(404, `not found: ${urlPath}`);
    if (info.isDirectory()) {
      if (!urlPath.endsWith('/')) {
        response.writeHead(301, { Location: `${encodeURI(urlPath)}/` });
        return response.end();
      }
      if (statSync(join(path, REPORT_FILE), { throwIfNoEntry: false })?.isFile()) {
        response.writeHead(302, { Location: REPORT_FILE });
        return response.end();
      }
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
      return response.end(request.method === 'HEAD' ? undefined : listing(base, path, urlPath));
    }
    if (!info.isFile()) return send(403, 'not a file');
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
    });
    if (request.method === 'HEAD') return response.end();
    createReadStream(path)
      .on('error', () => response.destroy())
      .pipe(response);
  });
  return new Promise((resolveStart, rejectStart) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is in use (choose another --port)' : error.code === 'EACCES' ? 'needs privileges (choose a port above 1023)' : error.message;
      rejectStart(new Error(`--port ${port}: ${why}`));
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolveStart({
        url: `http://127.0.0.1:${bound}/`,
        port: bound,
        server,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
