import { describe, expect, it } from 'vitest';
import { renderSvg } from '../src/render-svg';

describe('renderSvg', () => {
  it('renders a vega-lite spec to SVG in Node, with no browser', async () => {
    const svg = await renderSvg({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'two points',
      data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('two points');
  });
});
