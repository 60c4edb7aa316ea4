import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrtFeeds, OrtRunOptions, OrtRunResult, OrtTensorData } from '@mta/ort';
import { OrtBackendError, checkFeeds, checkRuns, errorMessage } from '@mta/ort';
import { startOrtWebServer } from './server';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** MTA_CHROMIUM overrides where Chromium is looked for (other distributions, or to test the skip path). */
export function defaultChromiumPath(): string {
  return process.env['MTA_CHROMIUM'] || DEFAULT_CHROMIUM;
}

/** Flags for a quiet, offline, GPU-less headless Chromium (verified with Debian's chromium package). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));
export const WEB_DIST_DIR = join(PAGE_DIR, 'dist');
/** What the built page is made of: a newer one of these means a rebuild. */
const PAGE_SOURCES = [...['index.html', 'main.ts', 'vite.config.ts'].map((f) => join(PAGE_DIR, f)), fileURLToPath(new URL('./protocol.ts', import.meta.url))];

export interface BrowserRunOptions extends OrtRunOptions {
  readonly executablePath?: string;
  /** How long the page may take to report, after it has loaded. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface BrowserRunResult extends OrtRunResult {
  /** launchMs: starting Chromium (once per runner); pageRunMs: page load + fetches + session + runs + report. */
  readonly browser: { readonly launchMs: number; readonly pageRunMs: number; readonly userAgent: string };
}

/**
 * Builds examples/web/page into page/dist with vite's JS API when dist is missing or older than its
 * sources, so tests and the CLI need no separate build command. Returns true when it built.
 */
export async function ensureWebPageBuilt(force = false): Promise<boolean> {
  const index = join(WEB_DIST_DIR, 'index.html');
  if (!force && existsSync(index)) {
    const built = statSync(index).mtimeMs;
    if (PAGE_SOURCES.every((f) => statSync(f).mtimeMs <= built)) return false;
  }
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (error) {
    throw new OrtBackendError('ort-web-browser', `vite is needed to build the page and failed to load: ${errorMessage(error)}`);
  }
  await vite.build({ configFile: join(PAGE_DIR, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

type PlaywrightChromium = (typeof import('playwright-core'))['chromium'];

async function loadChromium(): Promise<PlaywrightChromium> {
  try {
    return (await import('playwright-core')).chromium;
  } catch (error) {
    throw new OrtBackendError('ort-web-browser', `playwright-core is not installed: ${errorMessage(error)}. Run \`pnpm install\`.`);
  }
}

async function launch(executablePath: string) {
  if (!existsSync(executablePath)) {
    throw new OrtBackendError(
      'ort-web-browser',
      `no Chromium at ${executablePath}. Install it with \`apt-get install -y --no-install-recommends chromium\` ` +
        '(Debian) or pass executablePath.',
    );
  }
  const chromium = await loadChromium();
  // A fresh profile per run: nothing cached from an earlier build of the page can leak in.
  const userDataDir = await mkdtemp(join(tmpdir(), 'mta-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new OrtBackendError('ort-web-browser', `Chromium at ${executablePath} failed to start: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Whether headless Chromium starts here, and if not, why (for skip messages). */
export async function probeChromium(
  executablePath = defaultChromiumPath(),
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const browser = await launch(executablePath);
    const version = browser.context.browser()?.version() ?? 'unknown';
    await browser.close();
    return { ok: true, version };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

export interface BrowserRunner {
  /** Runs one model on the already open page server and browser. */
  run(modelBytes: Uint8Array, feeds: OrtFeeds, options?: OrtRunOptions & { timeoutMs?: number }): Promise<BrowserRunResult>;
  close(): Promise<void>;
}

/**
 * Opens the page server and one headless Chromium (building the page if needed) for many runs;
 * each run gets a fresh page. Close it when done.
 */
export async function startBrowserRunner(options: { executablePath?: string } = {}): Promise<BrowserRunner> {
  await ensureWebPageBuilt();
  const server = await startOrtWebServer(WEB_DIST_DIR);
  let browser: Awaited<ReturnType<typeof launch>>;
  const tLaunch = performance.now();
  try {
    browser = await launch(options.executablePath ?? defaultChromiumPath());
  } catch (error) {
    await server.close();
    throw error;
  }
  const launchMs = performance.now() - tLaunch;

  return {
    async run(modelBytes, feeds, runOptions = {}) {
      const runs = checkRuns(runOptions.runs);
      checkFeeds('ort-web-browser', feeds);
      const t0 = performance.now();
      const log: string[] = [];
      const page = await browser.context.newPage();
      try {
        page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
        const job = server.addJob({ model: modelBytes, feeds, runs });
        await page.goto(`${server.origin}/index.html?job=${job.id}`);
        const timeoutMs = runOptions.timeoutMs ?? 120_000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the page did not report within ${timeoutMs} ms`)), timeoutMs);
        });
        const { header, data } = await Promise.race([job.result, timeout]).finally(() => clearTimeout(timer));
        const outputs: Record<string, OrtTensorData> = {};
        header.outputs.forEach((o, i) => (outputs[o.name] = { data: data[i]!, dims: o.dims }));
        return {
          backend: 'ort-web-browser',
          outputs,
          timings: header.timings,
          browser: { launchMs, pageRunMs: performance.now() - t0, userAgent: header.userAgent },
        };
      } catch (error) {
        const tail = log.slice(-10).join('\n  ');
        throw new OrtBackendError('ort-web-browser', `${errorMessage(error)}${tail ? `\n  page log:\n  ${tail}` : ''}`, {
          cause: error,
        });
      } finally {
        await page.close().catch(() => {});
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** One-shot: opens a runner, runs the model with onnxruntime-web (wasm, 1 thread) in headless Chromium, closes. */
export async function runInBrowser(modelBytes: Uint8Array, feeds: OrtFeeds, options: BrowserRunOptions = {}): Promise<BrowserRunResult> {
  checkRuns(options.runs);
  checkFeeds('ort-web-browser', feeds);
  const runner = await startBrowserRunner(options);
  try {
    return await runner.run(modelBytes, feeds, options);
  } finally {
    await runner.close();
  }
}
