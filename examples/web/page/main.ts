import * as ort from 'onnxruntime-web/wasm'; // the plain wasm build: half the size of the JSEP one (toolchain P16)
import { encodeResult, type FeedManifest } from '../src/protocol';

// The examples project compiles without the DOM lib; these are the only browser globals used.
declare const location: { readonly search: string };
declare const navigator: { readonly userAgent: string };
declare const document: { getElementById(id: string): { textContent: string | null } | null };

// One thread: multi-threaded wasm needs cross-origin isolation, and it must be set before the first session.
ort.env.wasm.numThreads = 1;

function status(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response;
}

async function runJob(job: string): Promise<void> {
  const base = `./job/${encodeURIComponent(job)}`;
  const [model, manifest, feedBytes] = await Promise.all([
    fetchOk(`${base}/model.onnx`).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(`${base}/feeds.json`).then(async (r) => (await r.json()) as FeedManifest),
    fetchOk(`${base}/feeds.bin`).then((r) => r.arrayBuffer()),
  ]);

  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const sessionCreateMs = performance.now() - t0;
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of manifest.inputs) {
      feeds[input.name] = new ort.Tensor('float32', new Float32Array(feedBytes, input.offset, input.length), [...input.dims]);
    }
    const runMs: number[] = [];
    let results: ort.InferenceSession.OnnxValueMapType = {};
    for (let i = 0; i < manifest.runs; i++) {
      const start = performance.now();
      results = await session.run(feeds);
      runMs.push(performance.now() - start);
    }
    const outputs = session.outputNames.map((name) => {
      const tensor = results[name];
      if (!tensor || tensor.type !== 'float32') throw new Error(`output '${name}' is ${tensor?.type ?? 'missing'}; expected float32`);
      return { name, dims: [...tensor.dims], data: (tensor.data as Float32Array).slice() };
    });
    const body = encodeResult(
      {
        outputs: outputs.map(({ name, dims, data }) => ({ name, dims, length: data.length })),
        timings: { sessionCreateMs, runMs },
        userAgent: navigator.userAgent,
      },
      outputs.map((o) => o.data),
    );
    const posted = await fetch(`${base}/result`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> });
    if (!posted.ok) throw new Error(`POST result answered ${posted.status}`);
  } finally {
    await session.release();
  }
}

const job = new URLSearchParams(location.search).get('job');
if (job === null) {
  status('idle: open this page as index.html?job=<id> from the MTA web server');
} else {
  status('running');
  try {
    await runJob(job);
    status('done');
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    status(`error: ${message}`);
    await fetch(`./job/${encodeURIComponent(job)}/error`, { method: 'POST', body: JSON.stringify({ message }) }).catch(() => {});
  }
}
