// examples/rnn/*.ts run at a quick size and do what they say: the addition RNN (LSTM encoder,
// RepeatVector, LSTM decoder, TimeDistributed Dense) learns to add two-digit numbers written as
// text, and the text classifier (Embedding with maskZero, Bidirectional LSTM) learns to read
// reviews whose meaning depends on word order.

import { describe, expect, it } from 'vitest';
import * as addition from '../../examples/rnn/addition_rnn.js';
import * as text from '../../examples/rnn/text_classifier.js';

describe('examples/rnn', () => {
  it('addition: the data is what the header says (reversed one-hot questions, padded answers)', () => {
    const { q, a } = addition.questions(5, 2);
    q.forEach((s, i) => {
      expect(s).toHaveLength(5);
      const [x, y] = s.trim().split('+').map(Number);
      expect(a[i]!.trim()).toBe(String(x! + y!));
    });
    expect(addition.decode(addition.encode(['12+3 ']))).toEqual(['12+3 ']);
    expect(addition.decode(addition.encode(['12+3 '], true))).toEqual([' 3+21']);
  });

  it('addition (2 digits, 4,000 questions, 15 epochs): held-out answers mostly right', async () => {
    const r = await addition.main(() => {}, { digits: 2, count: 4000, epochs: 15, hidden: 64 });
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 2);
    // Measured 89% of characters and 74% of whole answers; a guess is 10% a character.
    expect(r.charAccuracy).toBeGreaterThan(0.75);
    expect(r.answerAccuracy).toBeGreaterThan(0.5);
  }, 240_000);

  it('text classifier: reviews are balanced, padded with 0 at the end, and "not" flips the next word', () => {
    const { x, y } = text.reviews(200, 24, 100, 3);
    expect(y.data.reduce((s, v) => s + v, 0)).toBe(100);
    for (let i = 0; i < 200; i++) {
      const row = Array.from(x.data.slice(i * 24, (i + 1) * 24));
      const first0 = row.indexOf(0);
      if (first0 >= 0) expect(row.slice(first0).every((v) => v === 0)).toBe(true);
      let score = 0, flip = false;
      for (const id of row) {
        if (id === 0) break;
        const p = id <= 10 ? 1 : id <= 20 ? -1 : 0;
        score += flip ? -p : p;
        flip = id === 21 || id === 22;
      }
      expect(score > 0 ? 1 : 0).toBe(y.data[i]);
    }
  });

  it('text classifier (2,000 reviews, 4 epochs): held-out accuracy far above chance', async () => {
    const r = await text.main(() => {}, { count: 2000, epochs: 4 });
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]!);
    // Measured 95%; the classes are balanced, so chance is 50%.
    expect(r.testAccuracy).toBeGreaterThan(0.85);
  }, 240_000);
});
