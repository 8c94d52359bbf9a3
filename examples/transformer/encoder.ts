// A small transformer encoder that learns to sort a sequence of digits: for an input such as
// 7 1 9 1 4 0 3 8 it predicts, at every position at once, 0 1 1 3 4 7 8 9. Each output position
// must find "the k-th smallest digit", which needs every other token: a job for self-attention.
//
//   npx tsx examples/transformer/encoder.ts            # 10,000 sequences, 8 epochs
//   npx tsx examples/transformer/encoder.ts --quick    # 4,000 sequences, 6 epochs
//
//   tokens [B, 8] (digits 0-9)
//     → Embedding(10, 64)                  [B, 8, 64]
//     → PositionEmbedding (learned, a registered custom layer: one vector per position, added)
//     → 2 × encoder block (post-norm, as "Attention is all you need"):
//         h = LayerNormalization(x + MultiHeadAttention(4 heads, keyDim 16)([x, x]))
//         x = LayerNormalization(h + Dense(64)(Dense(128, relu)(h)))
//     → Dense(10, softmax) per position    [B, 8, 10]
// Trained with sparse categorical crossentropy per position and Adam. It prints the token and
// whole-sequence accuracy on held-out sequences, a few predictions, and checks that the model
// saves and loads (.keras) with the same predictions.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tk from '../../src/index.js';

/**
 * A learned position embedding: adds `embeddings[t]` (`[maxLength, dim]`) to the input at time
 * t, as KerasHub's PositionEmbedding. Registered so a model using it saves and loads.
 */
export class PositionEmbedding extends tk.layers.Layer {
  static override readonly className = 'PositionEmbedding';
  readonly maxLength: number;
  embeddings: tk.Variable | null = null;

  constructor(options: tk.layers.LayerArgs & { maxLength: number }) {
    const { maxLength, ...rest } = options;
    if (!Number.isInteger(maxLength) || maxLength <= 0) throw new Error(`PositionEmbedding: maxLength must be a positive integer, got ${maxLength}`);
    super(rest);
    this.maxLength = maxLength;
    this.supportsMasking = true;
  }

  override build(inputShape: tk.layers.SymbolicShape): void {
    const dim = inputShape[inputShape.length - 1];
    if (inputShape.length !== 3 || dim === null || dim === undefined) throw new Error(`${this.name}: expected [batch, time, features] with known features, got ${tk.layers.formatSymbolicShape(inputShape)}`);
    this.embeddings = this.addWeight('embeddings', [this.maxLength, dim], new tk.initializers.RandomNormal({ stddev: 0.02 }));
    super.build(inputShape);
  }

  call(x: tk.Tensor): tk.Tensor {
    const t = x.shape[1]!;
    if (t > this.maxLength) throw new Error(`${this.name}: sequence of length ${t} is longer than maxLength ${this.maxLength}`);
    const table = t === this.maxLength ? this.embeddings! : tk.slice(this.embeddings!, [0, 0], [t, -1]);
    return tk.add(x, table);   // [B, T, D] + [T, D]: broadcast over the batch
  }

  override computeOutputShape(inputShape: tk.layers.SymbolicShape): tk.layers.SymbolicShape {
    return inputShape;
  }

  override getConfig(): tk.layers.LayerConfig {
    return { ...super.getConfig(), maxLength: this.maxLength };
  }
}
tk.registerClass(PositionEmbedding);

export interface EncoderSize {
  length: number;
  dim: number;
  heads: number;
  ff: number;
  blocks: number;
}

const SIZE: EncoderSize = { length: 8, dim: 64, heads: 4, ff: 128, blocks: 2 };

/** The encoder, not compiled. */
export function sortingEncoder(size: EncoderSize = SIZE): tk.Model<tk.Tensor> {
  const L = tk.layers;
  const tokens = tk.input({ shape: [size.length], name: 'tokens' });
  let x = new L.Embedding(10, size.dim, { name: 'token_embedding' }).apply(tokens);
  x = new PositionEmbedding({ maxLength: size.length, name: 'position_embedding' }).apply(x) as tk.SymbolicTensor;
  for (let b = 1; b <= size.blocks; b++) {
    const att = new L.MultiHeadAttention({ numHeads: size.heads, keyDim: size.dim / size.heads, name: `attention_${b}` }).apply([x, x]) as tk.SymbolicTensor;
    const h = new L.LayerNormalization({ name: `norm_${b}a` }).apply(new L.Add().apply([x, att]) as tk.SymbolicTensor) as tk.SymbolicTensor;
    const f = new L.Dense(size.dim, { name: `ffn_${b}b` }).apply(new L.Dense(size.ff, { activation: 'relu', name: `ffn_${b}a` }).apply(h));
    x = new L.LayerNormalization({ name: `norm_${b}b` }).apply(new L.Add().apply([h, f]) as tk.SymbolicTensor) as tk.SymbolicTensor;
  }
  const out = new L.Dense(10, { activation: 'softmax', name: 'digit' }).apply(x);
  return tk.model({ inputs: tokens, outputs: out, name: 'sorting_encoder' });
}

/** `n` random sequences of digits and their sorted versions, as float32 token ids [n, length]. */
export function sortingData(n: number, length: number, seed: number): { x: tk.Tensor; y: tk.Tensor } {
  let state = seed >>> 0;
  const next = (): number => {
    // xorshift32: the task's own stream, independent of tk.setSeed.
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
  const x = new Float32Array(n * length);
  const y = new Float32Array(n * length);
  const row = new Array<number>(length);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < length; t++) row[t] = next() % 10;
    x.set(row, i * length);
    y.set([...row].sort((a, b) => a - b), i * length);
  }
  return { x: tk.tensor(x, [n, length]), y: tk.tensor(y, [n, length]) };
}

/** Token accuracy and whole-sequence accuracy of probabilities [n, L, 10] against ids [n, L]. */
export function accuracy(probs: tk.Tensor, y: tk.Tensor): { token: number; sequence: number } {
  const [n, length] = [y.shape[0]!, y.shape[1]!];
  const guess = tk.argmax(probs, -1).data;
  let tokens = 0;
  let sequences = 0;
  for (let i = 0; i < n; i++) {
    let all = true;
    for (let t = 0; t < length; t++) {
      const ok = guess[i * length + t] === y.data[i * length + t];
      if (ok) tokens++;
      else all = false;
    }
    if (all) sequences++;
  }
  return { token: tokens / (n * length), sequence: sequences / n };
}

export interface EncoderResult {
  readonly losses: number[];
  /** On held-out sequences. */
  readonly tokenAccuracy: number;
  readonly sequenceAccuracy: number;
  /** Token accuracy of always predicting the most frequent digit at each position (the baseline). */
  readonly baselineAccuracy: number;
  readonly parameters: number;
  /** Largest |difference| between the predictions before saving and after loading the .keras file. */
  readonly reloadDifference: number;
}

export interface EncoderOptions {
  trainSize?: number;
  testSize?: number;
  epochs?: number;
  size?: Partial<EncoderSize>;
}

export async function main(print: (line: string) => void = console.log, options: EncoderOptions = {}): Promise<EncoderResult> {
  tk.setSeed(3);
  const size = { ...SIZE, ...options.size };
  const trainSize = options.trainSize ?? 10000;
  const testSize = options.testSize ?? 1000;
  const epochs = options.epochs ?? 8;
  const train = sortingData(trainSize, size.length, 1);
  const test = sortingData(testSize, size.length, 2);
  const model = sortingEncoder(size);
  model.summary({ printFn: print });
  model.compile({ optimizer: new tk.optimizers.Adam({ learningRate: 2e-3 }), loss: 'sparse_categorical_crossentropy' });
  const started = performance.now();
  const history = await model.fit(train.x, train.y, {
    epochs, batchSize: 64, verbose: 0,
    callbacks: [{ onEpochEnd: (epoch, logs) => print(`epoch ${epoch + 1}/${epochs}: loss ${logs.loss!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`) }],
  });

  const probs = model.predict(test.x) as tk.Tensor;
  const { token, sequence } = accuracy(probs, test.y);
  // The baseline: at each position, the digit most often found there in the sorted training data.
  const counts = Array.from({ length: size.length }, () => new Array<number>(10).fill(0));
  for (let i = 0; i < trainSize; i++) for (let t = 0; t < size.length; t++) counts[t]![train.y.data[i * size.length + t]!]!++;
  const mode = counts.map((c) => c.indexOf(Math.max(...c)));
  let hits = 0;
  for (let i = 0; i < testSize; i++) for (let t = 0; t < size.length; t++) if (test.y.data[i * size.length + t] === mode[t]) hits++;
  const baselineAccuracy = hits / (testSize * size.length);
  print(`held-out sequences (${testSize}): token accuracy ${(100 * token).toFixed(1)}%, whole sequences sorted right ${(100 * sequence).toFixed(1)}% ` +
    `(the most frequent digit per position: ${(100 * baselineAccuracy).toFixed(1)}% of tokens)`);
  const guess = tk.argmax(probs, -1).data;
  for (let i = 0; i < 4; i++) {
    const row = (d: ArrayLike<number>): string => Array.from(d).slice(i * size.length, (i + 1) * size.length).join(' ');
    print(`  ${row(test.x.data)}  →  ${row(guess)}   (sorted: ${row(test.y.data)})`);
  }

  // The model, with its custom PositionEmbedding, through a .keras file.
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-encoder-'));
  let reloadDifference: number;
  try {
    const file = path.join(dir, 'sorting_encoder.keras');
    await model.save(file);
    const back = await tk.loadModel(file);
    reloadDifference = tk.noGrad(() => tk.max(tk.abs(tk.sub(back.predict(test.x) as tk.Tensor, probs))).item());
    print(`saved and reloaded ${path.basename(file)}: predictions differ by at most ${reloadDifference}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { losses: history.history.loss!, tokenAccuracy: token, sequenceAccuracy: sequence, baselineAccuracy, parameters: model.countParams(), reloadDifference };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, epochs: { type: 'string' } } });
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 1)) {
    console.error(`--epochs expects a positive integer, got '${values.epochs}'`);
    process.exit(2);
  }
  await main(console.log, values.quick === true ? { trainSize: 4000, epochs: epochs ?? 6 } : { epochs });
}
