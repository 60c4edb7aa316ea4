/**
 * Whether the browser tests may skip when headless Chromium cannot start. On a developer's machine a
 * missing system Chromium skips them (and says why); under CI it must fail, or a CI run that lost its
 * browser would report green without ever running onnxruntime-web.
 */
export type BrowserTestPolicy = 'run' | 'skip' | 'fail';

/** CI is on when the CI variable is set to anything but '', '0' or 'false' (GitHub, GitLab and .ci/run set 'true'). */
export function ciRequiresChromium(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

export function browserTestPolicy(chromiumOk: boolean, env: Readonly<Record<string, string | undefined>> = process.env): BrowserTestPolicy {
  if (chromiumOk) return 'run';
  return ciRequiresChromium(env) ? 'fail' : 'skip';
}
