// CSVLogger writes what Keras's csv.DictWriter writes (excel dialect: '\r\n', minimal quoting,
// Python float repr, NA for missing values, val_ columns pre-added).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tk from '../../src/index.js';
import { FakeModel, fakeFit } from './fake_model.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorkit-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSVLogger', () => {
  it('header: epoch + sorted keys, val_ columns added when absent, NA until they come', async () => {
    const file = join(dir, 'a.csv');
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(file)], [
      { loss: 0.6931471805599453, accuracy: 0.5 },
      { loss: 1e-5, accuracy: 1, val_loss: 0.1, val_accuracy: 0.25 },
    ]);
    expect(readFileSync(file, 'utf8')).toBe(
      'epoch,accuracy,loss,val_accuracy,val_loss\r\n' +
      '0,0.5,0.6931471805599453,NA,NA\r\n' +
      '1,1.0,1e-05,0.25,0.1\r\n',
    );
  });

  it('with validation keys from the start, no columns are added; NaN is nan', async () => {
    const file = join(dir, 'b.csv');
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(file, { separator: ';' })], [{ val_loss: NaN, loss: 2 }, { loss: 3 }]);
    expect(readFileSync(file, 'utf8')).toBe('epoch;loss;val_loss\r\n0;2.0;nan\r\n1;3.0;NA\r\n');
  });

  it('append: adds rows after an existing file without a second header', async () => {
    const file = join(dir, 'c.csv');
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(file)], [{ loss: 1 }]);
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(file, { append: true })], [{ loss: 0.5 }]);
    expect(readFileSync(file, 'utf8')).toBe('epoch,loss,val_loss\r\n0,1.0,NA\r\n0,0.5,NA\r\n');
    const empty = join(dir, 'd.csv');
    writeFileSync(empty, '');
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(empty, { append: true })], [{ loss: 0.25 }]);
    expect(readFileSync(empty, 'utf8')).toBe('epoch,loss,val_loss\r\n0,0.25,NA\r\n');
  });

  it('overwrites by default; quotes keys holding the separator', async () => {
    const file = join(dir, 'e.csv');
    writeFileSync(file, 'old content\n');
    await fakeFit(new FakeModel(), [new tk.callbacks.CSVLogger(file)], [{ 'a,b': 1, val_x: 2 }]);
    expect(readFileSync(file, 'utf8')).toBe('epoch,"a,b",val_x\r\n0,1.0,2.0\r\n');
  });

  it('checks its arguments', () => {
    expect(() => new tk.callbacks.CSVLogger('')).toThrow(/filename must be a non-empty string/);
    expect(() => new tk.callbacks.CSVLogger('x.csv', { separator: ', ' })).toThrow(/separator must be a single character/);
    expect(() => new tk.callbacks.CSVLogger('x.csv', { sep: ';' } as never)).toThrow(/unknown option\(s\) 'sep'/);
  });
});
