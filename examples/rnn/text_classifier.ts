// A text classifier: Embedding(maskZero) → Bidirectional(LSTM) → Dense(sigmoid), on "reviews" the
// example makes. A review is a row of token ids (1..vocab−1; 0 pads the end, and the mask from
// Embedding's maskZero makes both LSTMs skip the padding). Tokens 1–10 are positive words, 11–20
// negative, 21–22 are "not", which flips the word after it; the rest are neutral. A review is
// positive when its (flipped) positive words outnumber its negative ones. Counting alone does not
// solve it: the model must read "not good" in order, which is what the recurrent layers are for.
//
//   npx tsx examples/rnn/text_classifier.ts            # 6,000 reviews, 8 epochs
//   npx tsx examples/rnn/text_classifier.ts --quick    # 2,000 reviews, 4 epochs
//
//   tokens [maxLen] → Embedding(vocab, 16, maskZero) → Bidirectional(LSTM(16)) concat [32]
//     → Dense(1, sigmoid)

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tk from '../../src/index.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` reviews of 4..maxLen tokens (zero-padded to maxLen) and their 0/1 labels, balanced. */
export function reviews(count: number, maxLen = 24, vocab = 100, seed = 1): { x: tk.Tensor; y: tk.Tensor } {
  const rand = lcg(seed);
  const ids = new Float32Array(count * maxLen);
  const labels = new Float32Array(count);
  let made = 0;
  let positives = 0;
  while (made < count) {
    const len = 4 + Math.floor(rand() * (maxLen - 3));
    const row: number[] = [];
    let score = 0;
    let flip = false;
    for (let t = 0; t < len; t++) {
      const r = rand();
      const id = r < 0.15 ? 1 + Math.floor(rand() * 10) : r < 0.3 ? 11 + Math.floor(rand() * 10) : r < 0.4 ? 21 + Math.floor(rand() * 2) : 23 + Math.floor(rand() * (vocab - 23));
      row.push(id);
      const polarity = id <= 10 ? 1 : id <= 20 ? -1 : 0;
      score += flip ? -polarity : polarity;
      flip = id === 21 || id === 22;
    }
    if (score === 0) continue;
    const label = score > 0 ? 1 : 0;
    // Keep the classes balanced.
    if (label === 1 && positives >= count / 2) continue;
    if (label === 0 && made - positives >= count / 2) continue;
    row.forEach((id, t) => { ids[made * maxLen + t] = id; });
    labels[made] = label;
    positives += label;
    made++;
  }
  return { x: tk.tensor(ids, [count, maxLen]), y: tk.tensor(labels, [count, 1]) };
}

/** The classifier, compiled (Adam, binary crossentropy). */
export function classifier(vocab = 100, maxLen = 24): tk.Sequential {
  const L = tk.layers;
  const model = tk.sequential([
    new L.Embedding(vocab, 16, { maskZero: true, inputShape: [maxLen], name: 'words' }),
    new L.Bidirectional(new L.LSTM(16), { name: 'read_both_ways' }),
    new L.Dense(1, { activation: 'sigmoid', name: 'positive' }),
  ]);
  model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.01 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
  return model;
}

export interface ClassifierResult {
  losses: number[];
  /** Accuracy on held-out reviews. */
  testAccuracy: number;
}

export async function main(log: (line: string) => void = console.log, options: { count?: number; epochs?: number } = {}): Promise<ClassifierResult> {
  const count = options.count ?? 6000;
  const epochs = options.epochs ?? 8;
  tk.setSeed(5);
  const train = reviews(count, 24, 100, 1);
  const test = reviews(1000, 24, 100, 2);
  const model = classifier();
  log(`${count} training reviews, 1000 held out; ${model.countParams()} weights`);
  const history = await model.fit(train.x, train.y, { epochs, batchSize: 32, verbose: 0, shuffle: true });
  const losses = history.history.loss as number[];
  losses.forEach((l, i) => log(`epoch ${i + 1}: loss ${l.toFixed(4)}`));
  const [, acc] = model.evaluate(test.x, test.y, { verbose: 0 }) as number[];
  log(`held-out accuracy: ${(100 * acc!).toFixed(1)}%`);
  return { losses, testAccuracy: acc! };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
  await main(console.log, values.quick === true ? { count: 2000, epochs: 4 } : {});
}
