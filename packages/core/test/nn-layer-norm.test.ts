import './nn-device';
import { describe, expect, it } from 'vitest';
import { tensor, nn } from '../src/index';
import { gradcheckModule, randomArray, referenceLayerNorm, setValues } from './nn-support';

describe('nn.LayerNorm', () => {
  it('matches the float64 reference with a learned scale and shift', () => {
    const ln = new nn.LayerNorm(5, { dtype: 'float64', eps: 1e-5 });
    const gamma = randomArray(5, 3);
    const beta = randomArray(5, 4);
    setValues(ln.weight!, gamma);
    setValues(ln.bias!, beta);
    const x = randomArray(2 * 3 * 5, 5, 3);
    const out = ln.forward(tensor(x, [2, 3, 5], { dtype: 'float64' }));
    const expected = referenceLayerNorm(x, 5, gamma, beta, 1e-5);
    out.toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('starts as the plain normalisation (weight 1, bias 0) and can drop the affine part', () => {
    const ln = new nn.LayerNorm(4, { elementwiseAffine: false, dtype: 'float64' });
    expect(ln.parameters()).toEqual([]);
    const y = ln.forward(tensor([[1, 2, 3, 4]], { dtype: 'float64' })).toNumbers();
    const expected = referenceLayerNorm([1, 2, 3, 4], 4, [1, 1, 1, 1], [0, 0, 0, 0], 1e-5);
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(new nn.LayerNorm(3).weight!.toNumbers()).toEqual([1, 1, 1]);
  });

  it('has correct gradients for input, weight and bias (finite differences)', () => {
    const ln = new nn.LayerNorm(4, { dtype: 'float64' });
    setValues(ln.weight!, randomArray(4, 8));
    setValues(ln.bias!, randomArray(4, 9));
    const x = tensor(randomArray(2 * 3 * 4, 10, 2), [2, 3, 4], { dtype: 'float64', requiresGrad: true });
    const result = gradcheckModule(ln, [x], (input) => ln.forward(input));
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(24 + 8);
  });

  it('rejects an input of the wrong width', () => {
    expect(() => new nn.LayerNorm(4).forward(tensor([[1, 2, 3]]))).toThrow(/must end in 4 features/);
  });
});
