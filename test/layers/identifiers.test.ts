// The shared identifier lookup (src/identifiers.ts): spellings, edit distance, suggestions and
// the error message form every kind of string identifier uses.

import { describe, expect, it } from 'vitest';
import { editDistance, IdentifierTable, normalizeIdentifier, suggest, unknownIdentifierError } from '../../src/identifiers.js';

describe('identifiers', () => {
  it('snake_case, camelCase and class names normalise to one key', () => {
    for (const s of ['he_uniform', 'heUniform', 'HeUniform', 'HE_UNIFORM']) expect(normalizeIdentifier(s)).toBe('heuniform');
    expect(normalizeIdentifier('leCunNormal')).toBe(normalizeIdentifier('lecun_normal'));
  });

  it('edit distance counts a swap of neighbours as one edit', () => {
    expect(editDistance('rleu', 'relu')).toBe(1); // one transposition
    expect(editDistance('relu', 'relu')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('sigmiod', 'sigmoid')).toBe(1);
  });

  it('suggest picks the nearest plausible name, abbreviations included, or nothing', () => {
    expect(suggest('rleu', ['relu', 'elu', 'selu'])).toBe('relu');
    expect(suggest('std', ['mean', 'stddev', 'seed'])).toBe('stddev');
    expect(suggest('use_bias', ['useBias', 'units'])).toBe('useBias');
    expect(suggest('xyzzy', ['relu', 'tanh'])).toBeNull();
  });

  it("error form: Unknown <kind> '<given>'. Did you mean '<nearest>'? Valid names: ...", () => {
    expect(unknownIdentifierError('activation', 'rleu', ['relu', 'tanh']).message).toBe("Unknown activation 'rleu'. Did you mean 'relu'? Valid names: relu, tanh");
    expect(unknownIdentifierError('loss', 'zzzzzz', ['mse']).message).toBe("Unknown loss 'zzzzzz'. Valid names: mse");
  });

  it('IdentifierTable answers every spelling, lists only the canonical names, and rejects colliding spellings', () => {
    const t = new IdentifierTable('thing', { mean_squared_error: 1, mae: 2 }, { mse: 1 });
    expect(t.get('meanSquaredError')).toBe(1);
    expect(t.get('MSE')).toBe(1);
    expect(t.has('mae')).toBe(true);
    expect(t.names).toEqual(['mean_squared_error', 'mae']);
    expect(() => t.get('mea')).toThrow("Unknown thing 'mea'. Did you mean 'mae'?");
    expect(() => new IdentifierTable('x', { a_b: 1, aB: 2 })).toThrow(/collides/);
  });
});
