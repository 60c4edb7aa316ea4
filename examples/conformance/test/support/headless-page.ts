import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

/**
 * Runs a bundled page in headless Chromium, driven the plain way (`chromium --headless=new --no-sandbox
 * URL`, no driver library): a local server serves the page and its static files, and the page POSTs its
 * result to /result (or its error to /error), which ends the run.
 */

/** Where Chromium is: $MTA_CHROMIUM, else the first of the usual Debian/Ubuntu paths that exists. */
export function findChromium(): string | null {
  const chosen = process.env['MTA_CHROMIUM'];
  if (chosen) return existsSync(chosen) ? chosen : null;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((c) => existsSync(c)) ?? null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json',
};

export interface PageRun {
  readonly result: unknown;
  readonly ms: number;
}

/**
 * Serves `routes` (URL prefix -> directory) and opens `/index.html` in Chromium; resolves with the JSON
 * the page POSTs to /result, rejects with the page's /error message, Chromium's early exit or a timeout.
 */
export async function runHeadlessPage(chromium: string, routes: Readonly<Record<string, string>>, timeoutMs: number): Promise<PageRun> {
  let settle!: { resolve: (v: unknown) => void; reject: (e: Error) => void };
  const done = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  const body = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST') {
      void body(req).then((text) => {
        res.end();
        if (url.pathname === '/result') settle.resolve(JSON.parse(text));
        else settle.reject(new Error(`the page failed: ${(JSON.parse(text) as { message: string }).message}`));
      });
      return;
    }
    const prefix = Object.keys(routes).sort((a, b) => b.length - a.length).find((p) => url.pathname.startsWith(p));
    const file = prefix === undefined ? null : join(routes[prefix]!, normalize(url.pathname.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ''));
    if (file === null || !existsSync(file)) { res.statusCode = 404; res.end(); return; }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const profile = mkdtempSync(join(tmpdir(), 'mta-chromium-'));
  const t0 = performance.now();
  // Its own process group, so that ending it ends the renderer and GPU processes it started too.
  const child = spawn(chromium, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/index.html`,
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  child.on('exit', (code) => settle.reject(new Error(`Chromium exited (code ${code}) before the page reported:\n${stderr}`)));
  child.on('error', (error) => settle.reject(error));
  const timer = setTimeout(() => settle.reject(new Error(`the page did not report within ${timeoutMs} ms; Chromium's stderr:\n${stderr}`)), timeoutMs);
  try {
    const result = await done;
    return { result, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
    child.removeAllListeners('exit');
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await exited;
    }
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
