// Runs the benchmark suites: `npm run bench` runs them all, `tsx bench/run.ts gemm conv` only
// the ones named. A suite is a module exporting `async function run(): Promise<void>` that
// prints its own table (see util.ts); add it to `suites` below.
import os from 'node:os';

interface Suite {
  name: string;
  load: () => Promise<{ run: () => Promise<void> }>;
}

// Loaded on demand, so running one suite does not import (or break on) the others.
const suites: Suite[] = [
  { name: 'gemm', load: () => import('./gemm.bench.js') },
  { name: 'conv', load: () => import('./conv.bench.js') },
  { name: 'training', load: () => import('./training.bench.js') },
  { name: 'threads', load: () => import('./threads.bench.js') },
  { name: 'higher_order', load: () => import('./higher_order.bench.js') },
  { name: 'image', load: () => import('./image.bench.js') },
  { name: 'rnn', load: () => import('./rnn.bench.js') },
  { name: 'norm', load: () => import('./norm.bench.js') },
  { name: 'transformer', load: () => import('./transformer.bench.js') },
];

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown suite(s): ${unknown.join(', ')}. Available: ${suites.map((s) => s.name).join(', ')}`);
    process.exitCode = 1;
    return;
  }
  const selected = args.length === 0 ? suites : suites.filter((s) => args.includes(s.name));

  const cpus = os.cpus();
  console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, ` +
    `${os.platform()} ${os.arch()}`);
  console.log(`Node ${process.version} (V8 ${process.versions.v8}); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`Times are medians per call, in this one process. tensorkit's SIMD kernels use up to ${os.availableParallelism()} threads ` +
    '(tk.setNumThreads); TF.js runs single-threaded. Load averages above the number of cores mean other jobs share them.\n');

  for (const suite of selected) {
    const started = performance.now();
    const { run } = await suite.load();
    await run();
    console.log(`[${suite.name}: ${((performance.now() - started) / 1000).toFixed(1)} s; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}]\n`);
  }
}

await main(process.argv.slice(2));
