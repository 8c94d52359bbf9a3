import * as esbuild from 'esbuild';
const r = await esbuild.build({ stdin: { contents: "import * as tk from './dist/index.js'; window.tk = tk;", resolveDir: process.cwd() }, bundle: true, minify: true, format: 'esm', write: false, metafile: true, splitting: true, outdir: '/tmp/metaout', platform: 'browser', alias: { '#platform': './dist/platform/browser.js' }, logLevel: 'error' });
for (const [name, out] of Object.entries(r.metafile.outputs)) {
  console.log(name, out.bytes, out.entryPoint ?? '');
}
