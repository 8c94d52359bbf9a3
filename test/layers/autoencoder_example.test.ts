// examples/autoencoder/autoencoder.ts runs (quick size: 2,000 digits, 3 epochs) and does what it
// says: the loss falls, the reconstructions of held-out digits beat the mean digit by far, the
// terminal drawings and the SVG show originals beside reconstructions.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoencoder, main } from '../../examples/autoencoder/autoencoder.js';

describe('examples/autoencoder: a convolutional autoencoder on the MNIST digits', () => {
  it('has the architecture the header draws: strided Conv2D down to 7×7×4, Conv2DTranspose back up', () => {
    const model = autoencoder();
    expect(model.layers.map((l) => [l.getClassName(), l.name])).toEqual([
      ['InputLayer', 'digit'], ['Conv2D', 'encode_1'], ['Conv2D', 'code'], ['Conv2DTranspose', 'decode_1'], ['Conv2DTranspose', 'decode_2'], ['Conv2D', 'pixels'],
    ]);
    expect(model.getLayer('code').computeOutputShape([null, 14, 14, 16])).toEqual([null, 7, 7, 4]);
    expect(model.outputs[0]!.shape).toEqual([null, 28, 28, 1]);
    // 3·3·1·16 + 16, 3·3·16·4 + 4, 3·3·16·4 + 16, 3·3·16·16 + 16, 3·3·16·1 + 1
    expect(model.countParams()).toBe(160 + 580 + 592 + 2320 + 145);
  });

  it('learns to reconstruct held-out digits (quick size) and draws them', async () => {
    const lines: string[] = [];
    const svgFile = path.join(tmpdir(), `tk-autoencoder-${process.pid}.svg`);
    try {
      const r = await main((line) => lines.push(...line.split('\n')), { trainSize: 2000, epochs: 3, svg: svgFile, shown: 6 });
      expect(r.losses).toHaveLength(3);
      expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
      // Measured 0.009 against the mean digit's 0.068 and black's 0.113 (2,000 digits, 3 epochs).
      expect(r.testMse).toBeLessThan(0.3 * r.meanDigitMse);
      expect(r.meanDigitMse).toBeLessThan(r.blackMse);
      expect(r.testCrossentropy).toBeLessThan(0.15);
      // Terminal: captions and shaded digits side by side.
      expect(lines.filter((l) => /^digit \d +reconstructed +digit \d +reconstructed/.test(l))).toHaveLength(3);
      expect(lines.some((l) => l.includes('@'))).toBe(true);
      expect(lines.some((l) => l.startsWith('test digits (2000 held out): reconstruction MSE per pixel'))).toBe(true);
      // The SVG: written, six labelled columns, pixels drawn.
      expect(existsSync(svgFile)).toBe(true);
      const svg = readFileSync(svgFile, 'utf8');
      expect(svg).toBe(r.svg);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect((svg.match(/<text [^>]*text-anchor="middle"[^>]*>\d<\/text>/g) ?? []).length).toBe(6);
      expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(6 * 2 * 50);
    } finally {
      rmSync(svgFile, { force: true });
    }
  }, 120_000);
});
