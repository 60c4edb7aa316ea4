export {
  runInBrowser,
  startBrowserRunner,
  probeChromium,
  ensureWebPageBuilt,
  defaultChromiumPath,
  WEB_DIST_DIR,
  DEFAULT_CHROMIUM,
  CHROMIUM_ARGS,
  type BrowserRunner,
  type BrowserRunOptions,
  type BrowserRunResult,
} from './browser';
export { browserTestPolicy, ciRequiresChromium, type BrowserTestPolicy } from './browser-policy';
export { startOrtWebServer, type OrtWebServer, type WebJobInput, type WebJobResult } from './server';
