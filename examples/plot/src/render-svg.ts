import { compile, type TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';

export type { TopLevelSpec };

/** Renders a vega-lite spec to an SVG string in Node (no browser, no canvas): used by every chart here. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
