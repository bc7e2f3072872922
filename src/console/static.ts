import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Only these kinds of file are served; anything else in a mounted folder stays private. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The console page's policy: scripts and styles from this origin only (noVNC sets element styles
 * from script, which CSP allows), no framing (clickjacking a console), no referrer (the page URL
 * carries the console token and may carry the VNC password).
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

interface Mount {
  /** URL path prefix, ending in '/'. */
  prefix: string;
  /** Folder it maps to. */
  root: string;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** @novnc/novnc's "exports" names core/rfb.js; its package folder is two levels up. */
const NOVNC = dirname(dirname(createRequire(import.meta.url).resolve('@novnc/novnc')));

/**
 * Static files: the console page (web/vnc) at /vnc/ and noVNC's ES modules, served as published
 * (no bundler), at /novnc/core/ and /novnc/vendor/. Paths are decoded once, dot segments and
 * hidden files are refused, and every file must resolve (symlinks followed) inside its mount.
 */
export class StaticFiles {
  private readonly mounts: Mount[] = [
    { prefix: '/vnc/', root: join(REPO, 'web/vnc') },
    { prefix: '/novnc/core/', root: join(NOVNC, 'core') },
    { prefix: '/novnc/vendor/', root: join(NOVNC, 'vendor') },
  ];

  /** Returns false when the path is not under a mount; otherwise answers it (asynchronously). */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path === '/vnc') {
      response.writeHead(308, { location: '/vnc/', ...COMMON_HEADERS }).end();
      return true;
    }
    const mount = this.mounts.find((m) => path.startsWith(m.prefix));
    if (!mount) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...COMMON_HEADERS }).end();
      return true;
    }
    this.answer(mount, path.slice(mount.prefix.length), request.method === 'HEAD', response).catch(() => {
      if (!response.headersSent) response.writeHead(500, COMMON_HEADERS);
      response.end();
    });
    return true;
  }

  private async answer(mount: Mount, encoded: string, headOnly: boolean, response: ServerResponse): Promise<void> {
    const notFound = () =>
      void response.writeHead(404, { 'content-type': 'text/plain', ...COMMON_HEADERS }).end('not found\n');
    const file = await this.resolve(mount, encoded || 'index.html');
    if (!file) return notFound();
    const type = CONTENT_TYPES[extname(file)];
    if (!type) return notFound();
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      ...COMMON_HEADERS,
      ...(type.startsWith('text/html') ? PAGE_HEADERS : { 'cache-control': 'no-cache' }),
    });
    response.end(headOnly ? undefined : body);
  }

  /** The file `encoded` names inside the mount, or null when it names nothing servable. */
  private async resolve(mount: Mount, encoded: string): Promise<string | null> {
    let relative: string;
    try {
      relative = decodeURIComponent(encoded);
    } catch {
      return null;
    }
    const segments = relative.split('/');
    if (segments.some((s) => s === '' || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return null;
    try {
      const root = await realpath(mount.root);
      const file = await realpath(join(root, ...segments));
      if (!file.startsWith(root + sep) || !(await stat(file)).isFile()) return null;
      return file;
    } catch {
      return null;
    }
  }
}
