import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { decodeResult, type FeedManifest, type ResultHeader } from './protocol';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  // Browsers compile streamed wasm only when it is served with this type.
  '.wasm': 'application/wasm',
};

const MAX_RESULT_BYTES = 1 << 30;

export interface WebJobInput {
  readonly model: Uint8Array;
  readonly feeds: Readonly<Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }>>;
  readonly runs: number;
}

export interface WebJobResult {
  readonly header: ResultHeader;
  readonly data: Float32Array[];
}

interface PendingJob {
  readonly model: Uint8Array;
  readonly manifest: FeedManifest;
  readonly feedBytes: Uint8Array;
  resolve(result: WebJobResult): void;
  reject(error: Error): void;
}

export interface OrtWebServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** Registers a job; open `${origin}/index.html?job=${id}` to run it. `result` settles when the page reports. */
  addJob(job: WebJobInput): { id: string; result: Promise<WebJobResult> };
  close(): Promise<void>;
}

function packFeeds(feeds: WebJobInput['feeds'], runs: number): { manifest: FeedManifest; bytes: Uint8Array } {
  const entries = Object.entries(feeds);
  const total = entries.reduce((n, [, t]) => n + t.data.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  const inputs = entries.map(([name, t]) => {
    bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    const entry = { name, dims: [...t.dims], offset, length: t.data.length };
    offset += t.data.byteLength;
    return entry;
  });
  return { manifest: { inputs, runs }, bytes };
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESULT_BYTES) throw new Error(`request body over ${MAX_RESULT_BYTES} bytes`);
    chunks.push(chunk);
  }
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

function send(res: ServerResponse, status: number, body: Uint8Array | string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Serves the built page (examples/web/page/dist) and the jobs' models, inputs and results, on
 * 127.0.0.1 at a random free port. Nothing is reachable from other machines.
 */
export async function startOrtWebServer(distDir: string): Promise<OrtWebServer> {
  const root = resolve(distDir);
  const jobs = new Map<string, PendingJob>();

  const handleJob = async (req: IncomingMessage, res: ServerResponse, id: string, file: string): Promise<void> => {
    const job = jobs.get(id);
    if (!job) return send(res, 404, `unknown job ${id}`);
    if (req.method === 'GET' && file === 'model.onnx') return send(res, 200, job.model, 'application/octet-stream');
    if (req.method === 'GET' && file === 'feeds.json') return send(res, 200, JSON.stringify(job.manifest), MIME['.json']);
    if (req.method === 'GET' && file === 'feeds.bin') return send(res, 200, job.feedBytes, 'application/octet-stream');
    if (req.method === 'POST' && (file === 'result' || file === 'error')) {
      const body = await readBody(req);
      jobs.delete(id);
      send(res, 204, '');
      if (file === 'result') {
        try {
          job.resolve(decodeResult(body));
        } catch (error) {
          job.reject(error instanceof Error ? error : new Error(String(error)));
        }
      } else {
        const { message } = JSON.parse(new TextDecoder().decode(body)) as { message: string };
        job.reject(new Error(`the page reported: ${message}`));
      }
      return;
    }
    return send(res, 405, `${req.method} ${file} is not part of the job protocol`);
  };

  const handleStatic = async (res: ServerResponse, pathname: string): Promise<void> => {
    if (pathname === '/favicon.ico') return send(res, 204, '');
    const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^([/\\])+/, '');
    const file = join(root, relative);
    if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'outside the served directory');
    try {
      const body = await readFile(file);
      send(res, 200, body, MIME[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(res, 404, `not found: ${pathname}`);
    }
  };

  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const jobMatch = /^\/job\/([^/]+)\/([^/]+)$/.exec(pathname);
    const work = jobMatch ? handleJob(req, res, decodeURIComponent(jobMatch[1]!), jobMatch[2]!) : handleStatic(res, pathname);
    work.catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    addJob(job) {
      const id = randomUUID();
      const { manifest, bytes } = packFeeds(job.feeds, job.runs);
      const result = new Promise<WebJobResult>((resolveJob, rejectJob) => {
        jobs.set(id, { model: job.model, manifest, feedBytes: bytes, resolve: resolveJob, reject: rejectJob });
      });
      return { id, result };
    },
    close() {
      for (const job of jobs.values()) job.reject(new Error('the web server closed before the page reported'));
      jobs.clear();
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
