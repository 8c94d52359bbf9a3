// Keras's "addition RNN": a sequence-to-sequence model learns to add two numbers written as text.
// The question "12+345" (padded to 2·digits + 1 characters) is read by an LSTM encoder; its final
// output, repeated once per answer character (RepeatVector), feeds an LSTM decoder, and a Dense
// softmax at every step (TimeDistributed) writes the answer "357 " one character at a time.
//
//   npx tsx examples/rnn/addition_rnn.ts              # 3 digits, 20,000 questions, 30 epochs
//   npx tsx examples/rnn/addition_rnn.ts --quick      # 2 digits, 4,000 questions, 15 epochs
//
//   question, one-hot   [2·digits+1, 12]   ('0'–'9', '+', ' ')
//     → LSTM(hidden)                         [hidden]                 (encoder)
//     → RepeatVector(digits + 1)             [digits+1, hidden]
//     → LSTM(hidden, returnSequences)        [digits+1, hidden]       (decoder)
//     → TimeDistributed(Dense(12, softmax))  [digits+1, 12]           (a character per step)
//
// As the Keras example, the question is fed reversed (it shortens the path from the last digits
// of the inputs to the first of the answer). It reports the accuracy per character and of whole
// answers on held-out questions, and prints a few.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tk from '../../src/index.js';

const CHARS = '0123456789+ ';

/** A small seeded generator (the questions are the same on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `count` distinct questions a+b (a, b of up to `digits` digits) and their answers, as text. */
export function questions(count: number, digits: number, seed = 1): { q: string[]; a: string[] } {
  const rand = lcg(seed);
  const seen = new Set<string>();
  const q: string[] = [];
  const a: string[] = [];
  const max = 10 ** digits;
  while (q.length < count) {
    const x = Math.floor(rand() * max);
    const y = Math.floor(rand() * max);
    const key = `${Math.min(x, y)}+${Math.max(x, y)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    q.push(`${x}+${y}`.padEnd(2 * digits + 1, ' '));
    a.push(String(x + y).padEnd(digits + 1, ' '));
  }
  return { q, a };
}

/** One-hot [n, length, 12] of strings (reversed when asked). */
export function encode(texts: readonly string[], reverse = false): tk.Tensor {
  const len = texts[0]!.length;
  const data = new Float32Array(texts.length * len * CHARS.length);
  texts.forEach((t, i) => {
    const s = reverse ? [...t].reverse().join('') : t;
    for (let j = 0; j < len; j++) data[(i * len + j) * CHARS.length + CHARS.indexOf(s[j]!)] = 1;
  });
  return tk.tensor(data, [texts.length, len, CHARS.length]);
}

/** The most likely character at every step of [n, length, 12] probabilities. */
export function decode(probs: tk.Tensor): string[] {
  const [n, len, c] = probs.shape as [number, number, number];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = 0; j < len; j++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (probs.data[(i * len + j) * c + k]! > probs.data[(i * len + j) * c + best]!) best = k;
      s += CHARS[best];
    }
    out.push(s);
  }
  return out;
}

/** The seq2seq model, compiled (Adam, categorical crossentropy per character). */
export function additionModel(digits: number, hidden: number): tk.Sequential {
  const L = tk.layers;
  const model = tk.sequential([
    new L.LSTM(hidden, { inputShape: [2 * digits + 1, CHARS.length], name: 'encoder' }),
    new L.RepeatVector(digits + 1),
    new L.LSTM(hidden, { returnSequences: true, name: 'decoder' }),
    new L.TimeDistributed(new L.Dense(CHARS.length, 'softmax'), { name: 'characters' }),
  ]);
  model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 0.005 }), loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

export interface AdditionResult {
  /** Training loss per epoch. */
  losses: number[];
  /** Held-out accuracy per character and of whole answers. */
  charAccuracy: number;
  answerAccuracy: number;
  examples: string[];
}

export async function main(log: (line: string) => void = console.log, options: { digits?: number; count?: number; epochs?: number; hidden?: number } = {}): Promise<AdditionResult> {
  const digits = options.digits ?? 3;
  const count = options.count ?? 20000;
  const epochs = options.epochs ?? 30;
  const hidden = options.hidden ?? 128;
  tk.setSeed(3);
  const { q, a } = questions(count, digits);
  const split = Math.floor(count * 0.9);
  const x = encode(q.slice(0, split), true), y = encode(a.slice(0, split));
  const xTest = encode(q.slice(split), true);
  const model = additionModel(digits, hidden);
  log(`${count} questions of up to ${digits} digits (${split} to train, ${count - split} held out); LSTM(${hidden}) encoder and decoder, ${model.countParams()} weights`);
  const history = await model.fit(x, y, { epochs, batchSize: 64, verbose: 0, shuffle: true });
  const losses = history.history.loss as number[];
  losses.forEach((l, i) => { if (i % 5 === 4 || i === epochs - 1) log(`epoch ${i + 1}: loss ${l.toFixed(4)}`); });
  const guesses = decode(model.predict(xTest) as tk.Tensor);
  const truth = a.slice(split);
  let chars = 0, right = 0;
  guesses.forEach((g, i) => {
    if (g === truth[i]) right++;
    for (let j = 0; j < g.length; j++) if (g[j] === truth[i]![j]) chars++;
  });
  const charAccuracy = chars / (guesses.length * (digits + 1));
  const answerAccuracy = right / guesses.length;
  const examples = guesses.slice(0, 6).map((g, i) => `${q[split + i]!.trim()} = ${g.trim()} ${g === truth[i] ? '✓' : `✗ (${truth[i]!.trim()})`}`);
  examples.forEach((e) => log(`  ${e}`));
  log(`held out: ${(100 * charAccuracy).toFixed(1)}% of characters, ${(100 * answerAccuracy).toFixed(1)}% of whole answers right`);
  return { losses, charAccuracy, answerAccuracy, examples };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, epochs: { type: 'string' } } });
  const quick = values.quick === true;
  await main(console.log, { digits: quick ? 2 : 3, count: quick ? 4000 : 20000, epochs: values.epochs !== undefined ? Number(values.epochs) : quick ? 15 : 30, hidden: quick ? 64 : 128 });
}
