#!/usr/bin/env node
// The `tensorkit` command (package.json "bin"): converts a model between the three file formats
// tensorkit reads and writes, with no Python.
//
//   npx tensorkit convert model.h5 model.keras           a legacy .h5 to a Keras 3 .keras file
//   npx tensorkit convert model.keras web_model           a .keras to a TF.js layers directory
//   npx tensorkit convert web_model/model.json out.h5     a TF.js model to a legacy .h5
//
// The input's format is read from its bytes (or it is a directory), the output's from its name
// (`.keras`, `.h5`, else a directory), as tk.loadModel and model.save do. Exit codes: 0 done (and
// for --help), 1 the conversion failed (the message says why), 2 the command line is wrong.
// Nothing of the library imports this file.

import * as tk from '../index.js';
import { TENSORKIT_VERSION } from '../models/io/topology.js';

const USAGE = `Usage: tensorkit convert INPUT OUTPUT [--include-optimizer]

Converts a model between Keras 3 .keras files, legacy Keras .h5 files and
TensorFlow.js layers-model directories, with no Python.

  INPUT    a .keras or .h5 file, or a TF.js directory (or its model.json)
  OUTPUT   a name ending in .keras or .h5, or else a directory for the TF.js format

Options:
  --include-optimizer   also convert the optimizer state (when INPUT has it)
  -h, --help            show this help
  -v, --version         show tensorkit's version

Examples:
  npx tensorkit convert best_model.h5 best_model.keras
  npx tensorkit convert model.keras web_model
`;

/** The command's output streams (the process's, or a test's). */
interface Streams {
  out(text: string): void;
  err(text: string): void;
}

/** What a location holds, for the summary line. */
function formatOf(location: string): string {
  const p = location.toLowerCase();
  if (p.endsWith('.keras')) return '.keras';
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return '.h5';
  return 'TF.js layers';
}

/** Runs the command on its arguments (without `node` and the script); resolves with the exit code. */
async function main(args: readonly string[], io: Streams): Promise<number> {
  if (args.length === 0) {
    io.err(USAGE);
    return 2;
  }
  if (args.includes('-h') || args.includes('--help') || args[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (args.includes('-v') || args.includes('--version')) {
    io.out(`tensorkit ${TENSORKIT_VERSION} (writes Keras ${tk.saving.KERAS_VERSION} files)\n`);
    return 0;
  }
  const [command, ...rest] = args;
  if (command !== 'convert') {
    io.err(`tensorkit: unknown command '${command}' (the command is 'convert')\n\n${USAGE}`);
    return 2;
  }
  const options = rest.filter((a) => a.startsWith('-'));
  const positional = rest.filter((a) => !a.startsWith('-'));
  const unknown = options.filter((o) => o !== '--include-optimizer');
  if (unknown.length > 0) {
    io.err(`tensorkit convert: unknown option ${unknown.map((o) => `'${o}'`).join(', ')} (valid: --include-optimizer, --help)\n`);
    return 2;
  }
  if (positional.length !== 2) {
    io.err(`tensorkit convert: expected INPUT and OUTPUT, got ${positional.length} argument${positional.length === 1 ? '' : 's'}\n\n${USAGE}`);
    return 2;
  }
  const [input, output] = positional as [string, string];
  try {
    const model = await tk.loadModel<tk.Tensor | tk.Tensor[]>(input, { onWarning: (m) => io.err(`tensorkit convert: warning: ${m}\n`) });
    await model.save(output, { includeOptimizer: options.includes('--include-optimizer') });
    const params = model.weights.reduce((n, w) => n + w.size, 0);
    io.out(`converted ${input} (${formatOf(input)}) to ${output} (${formatOf(output)}): model '${model.name}', ${model.layers.length} layers, ${params} parameters\n`);
    return 0;
  } catch (e) {
    io.err(`tensorkit convert: error: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tensorkit: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
