// Saving to and loading from a directory (Node.js): `model.json` plus weight files, or
// `weights_manifest.json` plus weight files for a weights-only save.
//
// Saves are atomic. Weight files are named after a hash of their content
// (`group1-shard1of1-<hash>.bin`), so a new save never overwrites a file the previous model.json
// reads; each file is written under a temporary name, flushed to disk and renamed into place;
// model.json is renamed last, which is the moment the new save replaces the old one. A failure
// anywhere before that removes what this save wrote and leaves the previous save readable; after
// it, the previous save's weight files are deleted.
//
// Loads trust nothing: model.json's size, every manifest path (relative, no '..', no drive or
// URL, and after resolving symlinks still inside the directory), every file's size against what
// the manifest needs. Node's modules come from '#platform' (src/platform/node.ts) when a handler
// runs; a browser build has none, and its handlers say what to use instead.

import { artifactsInfo, type IOHandler, type ModelArtifacts, type SaveResult } from './artifacts.js';
import { ModelFileError } from './errors.js';
import { parseJson, type JsonObject } from './json.js';
import { checkManifest, concatBytes, splitShards, totalByteLength, specByteLength, type WeightSpec } from './weights.js';
import { expectName, fail, get, isObject, resolveLimits, show, type LoadLimits } from './validate.js';
import { nodeModules } from '#platform';

/**
 * The file operations the directory handler uses; `nodeFileSystem()` gives Node's. Pass your own
 * (for instance one that fails on purpose, or an in-memory one) through `fileSystem(dir, { fs })`.
 */
export interface FileSystemLike {
  /** The whole file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes the whole file and flushes it to disk before resolving. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Replaces `to` atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file (old weight shards and temporary files). */
  unlink(path: string): Promise<void>;
  /** Creates a directory (with its parents when `recursive`). */
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  /** What the loader checks before reading a path: its size and kind. */
  stat(path: string): Promise<{
    /** Size in bytes. */
    size: number;
    /** True for a regular file. */
    isFile(): boolean;
    /** True for a directory. */
    isDirectory(): boolean;
  }>;
  /** The canonical absolute path, symlinks resolved (so manifest paths cannot leave the directory). */
  realpath(path: string): Promise<string>;
}

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /** The file operations to use (default: Node's). */
  fs?: FileSystemLike;
  /** Loader limits (see `LoadLimits`). */
  limits?: Partial<LoadLimits>;
}

type PathModule = typeof import('node:path');

/**
 * Node's file system, with writes flushed (fsync) before they count as done and each rename's
 * directory flushed after it.
 *
 * @example
 * ```ts
 * const fs = await tk.io.nodeFileSystem();
 * const failing = { ...fs, rename: async () => { throw new Error('disk full'); } };
 * await model.save(tk.io.fileSystem('dir', { fs: failing }));   // rejects; 'dir' keeps its previous save
 * ```
 */
export async function nodeFileSystem(): Promise<FileSystemLike> {
  const { fs: fsp, path } = await nodeModulesOrThrow();
  const syncDirectory = async (dir: string): Promise<void> => {
    try {
      const handle = await fsp.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Some platforms cannot open or flush a directory; the rename itself is still atomic.
    }
  };
  return {
    readFile: (p) => fsp.readFile(p),
    writeFile: async (p, data) => {
      const handle = await fsp.open(p, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    rename: async (from, to) => {
      await fsp.rename(from, to);
      await syncDirectory(path.dirname(to));
    },
    unlink: (p) => fsp.unlink(p),
    mkdir: (p, options) => fsp.mkdir(p, options),
    stat: (p) => fsp.stat(p),
    realpath: (p) => fsp.realpath(p),
  };
}

const NO_FILE_SYSTEM = 'saving to and loading from a directory needs Node (its fs and path modules), which this environment does not have; in a browser save with model.toArtifacts() or an IOHandler (tk.io.withSaveHandler) and load with tk.loadModel(artifacts) instead';

/** Node's modules, or the error saying what to use where there are none. */
async function nodeModulesOrThrow(): ReturnType<typeof nodeModules> {
  try {
    return await nodeModules();
  } catch (e) {
    throw new Error(NO_FILE_SYSTEM, { cause: e });
  }
}

/** A directory handler that can also read the weights-only manifest first. */
export interface FileSystemHandler extends IOHandler {
  /** Writes model.json and the weight files into the directory, atomically. */
  save(artifacts: ModelArtifacts): Promise<SaveResult>;
  /** Reads model.json (or, failing that, weights_manifest.json) and its weight files. */
  load(): Promise<ModelArtifacts>;
  /** Reads `weights_manifest.json` if the directory has one, else model.json's weights. */
  loadWeights(): Promise<ModelArtifacts>;
}

/**
 * A handler saving to / loading from a directory (or, to load, a path to a `.json` file).
 * `file://` prefixes are accepted, as TF.js's.
 *
 * @example
 * ```ts
 * await model.save(tk.io.fileSystem('models/mnist'));
 * const m = await tk.loadModel(tk.io.fileSystem('models/mnist/model.json'));
 * ```
 */
export function fileSystem(location: string, options: FileSystemOptions = {}): FileSystemHandler {
  if (typeof location !== 'string' || location === '') throw new Error(`fileSystem: expected a directory path, got ${show(location)}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (scheme !== null && scheme[1]!.toLowerCase() !== 'file') {
    throw new Error(`'${location}': tensorkit saves to and loads from directories (or file:// paths); in a browser use model.toArtifacts() and tk.loadModel(artifacts)`);
  }
  const target = scheme !== null ? location.slice(scheme[0].length) : location;
  const limits = resolveLimits(options.limits);
  const getFs = async (): Promise<{ fs: FileSystemLike; path: PathModule }> => ({ fs: options.fs ?? (await nodeFileSystem()), path: (await nodeModulesOrThrow()).path });
  return {
    save: async (artifacts) => {
      const { fs, path } = await getFs();
      return saveToDirectory(fs, path, target, artifacts);
    },
    load: async () => {
      const { fs, path } = await getFs();
      return loadFromDirectory(fs, path, target, limits, ['model.json', 'weights_manifest.json']);
    },
    loadWeights: async () => {
      const { fs, path } = await getFs();
      return loadFromDirectory(fs, path, target, limits, ['weights_manifest.json', 'model.json']);
    },
  };
}

// ---- loading ----------------------------------------------------------------------------------

async function loadFromDirectory(fs: FileSystemLike, path: PathModule, target: string, limits: LoadLimits, names: readonly string[]): Promise<ModelArtifacts> {
  let jsonPath: string | null = null;
  if (target.endsWith('.json')) {
    jsonPath = target;
  } else {
    const dirStat = await fs.stat(target).catch(() => null);
    if (dirStat === null) throw new ModelFileError(`'${target}' does not exist`);
    if (!dirStat.isDirectory()) throw new ModelFileError(`'${target}' is not a directory (give the directory a model was saved to, or the path of its model.json)`);
    for (const name of names) {
      const candidate = path.join(target, name);
      const s = await fs.stat(candidate).catch(() => null);
      if (s !== null && s.isFile()) {
        jsonPath = candidate;
        break;
      }
    }
    if (jsonPath === null) throw new ModelFileError(`'${target}' holds no ${names.join(' or ')}: no model was saved there`);
  }
  const stat = await fs.stat(jsonPath).catch(() => null);
  if (stat === null || !stat.isFile()) throw new ModelFileError(`'${jsonPath}' does not exist or is not a file`);
  if (stat.size > limits.maxJsonBytes) throw new ModelFileError(`'${jsonPath}' is ${stat.size} bytes, more than the limit of ${limits.maxJsonBytes} (limits.maxJsonBytes)`);
  const bytes = await fs.readFile(jsonPath);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError(`'${jsonPath}' is not UTF-8 text, so it is not a model.json`);
  }
  const dir = path.dirname(jsonPath);
  const realDir = await fs.realpath(dir);
  const read = async (p: string, maxBytes: number): Promise<Uint8Array> => {
    const full = path.resolve(dir, p);
    let real: string;
    try {
      real = await fs.realpath(full);
    } catch {
      throw new ModelFileError(`${jsonPath}: the weights file '${p}' it lists is missing from '${dir}'`);
    }
    const rel = path.relative(realDir, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new ModelFileError(`${jsonPath}: the weights file '${p}' resolves to '${real}', outside '${dir}'`);
    }
    const s = await fs.stat(real);
    if (!s.isFile()) throw new ModelFileError(`${jsonPath}: the weights path '${p}' is not a file`);
    if (s.size > maxBytes) throw new ModelFileError(`${jsonPath}: the weights file '${p}' is ${s.size} bytes, more than the ${maxBytes} bytes its weights need from it`);
    return fs.readFile(real);
  };
  return artifactsFromJsonText(text, jsonPath, read, limits);
}

/**
 * Artifacts from the text of a model.json (or weights_manifest.json), reading weight files with
 * `read(path, maxBytes)`. Every field is checked; each group's files must hold exactly the
 * bytes its weights need.
 *
 * @example
 * ```ts
 * const text = await readFile('dir/model.json', 'utf8');
 * const artifacts = await tk.io.artifactsFromJsonText(text, 'model.json', (path) => readFile(`dir/${path}`));
 * const model = await tk.loadModel(artifacts);
 * ```
 */
export async function artifactsFromJsonText(
  text: string,
  what: string,
  read: (path: string, maxBytes: number) => Promise<Uint8Array>,
  limitsOrOverrides: LoadLimits | Partial<LoadLimits> = {},
): Promise<ModelArtifacts> {
  const limits = resolveLimits(limitsOrOverrides);
  const doc = parseJson(text, what, { maxBytes: limits.maxJsonBytes, maxDepth: limits.maxJsonDepth });
  let manifestValue: unknown;
  let manifestPath: string;
  let top: JsonObject | null = null;
  if (Array.isArray(doc)) {
    manifestValue = doc;
    manifestPath = what;
  } else if (isObject(doc)) {
    top = doc;
    manifestValue = get(doc, 'weightsManifest');
    manifestPath = `${what}: weightsManifest`;
    if (manifestValue === undefined) fail(what, "there is no 'weightsManifest', so the weights cannot be found");
  } else {
    fail(what, `expected a model.json object { modelTopology, weightsManifest }, got ${show(doc)}`);
  }
  const groups = checkManifest(manifestValue, manifestPath, limits);
  const seen = new Set<string>();
  groups.forEach((g, i) => g.paths.forEach((p, j) => {
    const at = `${manifestPath}[${i}].paths[${j}]`;
    checkWeightsPath(p, at, limits);
    if (seen.has(p)) fail(at, `the weights file '${p}' is listed twice`);
    seen.add(p);
  }));
  const specs: WeightSpec[] = groups.flatMap((g) => g.weights);
  totalByteLength(specs, what, limits);
  const parts: Uint8Array[] = [];
  for (const [i, g] of groups.entries()) {
    const need = g.weights.reduce((n, s) => n + specByteLength(s), 0);
    let got = 0;
    for (const p of g.paths) {
      const bytes = await read(p, need - got);
      if (!(bytes instanceof Uint8Array)) fail(what, `reading '${p}' did not give bytes`);
      if (bytes.byteLength > need - got) fail(what, `the weights file '${p}' holds more bytes than group ${i + 1}'s weights need`);
      got += bytes.byteLength;
      parts.push(bytes);
    }
    if (got !== need) {
      fail(what, `the weights files of group ${i + 1} (${g.paths.map((p) => `'${p}'`).join(', ')}) hold ${got} bytes, but its ${g.weights.length} weights need ${need}: ${got < need ? 'a file is truncated or missing' : 'a file is longer than the manifest says'}`);
    }
  }
  const artifacts: ModelArtifacts = { weightSpecs: specs, weightData: concatBytes(parts) };
  if (top !== null) {
    for (const key of ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'trainingConfig', 'userDefinedMetadata'] as const) {
      const v = get(top, key);
      if (v !== undefined) (artifacts as Record<string, unknown>)[key] = v;
    }
    if (artifacts.modelTopology === undefined) fail(what, "there is no 'modelTopology': this file holds weights only (load it with model.loadWeights)");
  }
  return artifacts;
}

/**
 * Throws unless `p` is a plain relative path inside the model's directory: no absolute path,
 * drive letter, URL, backslash, empty, '.' or '..' segment.
 */
export function checkWeightsPath(p: string, at: string, limits: LoadLimits): void {
  expectName(p, at, limits.maxNameLength);
  if (p.startsWith('/') || p.startsWith('\\')) fail(at, `the weights path ${show(p)} is absolute; it must be relative to the model's directory`);
  if (p.includes(':')) fail(at, `the weights path ${show(p)} looks like a URL or drive path; it must be relative to the model's directory`);
  if (p.includes('\\')) fail(at, `the weights path ${show(p)} contains a backslash; use '/'`);
  for (const segment of p.split('/')) {
    if (segment === '..') fail(at, `the weights path ${show(p)} leaves the model's directory`);
    if (segment === '' || segment === '.') fail(at, `the weights path ${show(p)} has an empty or '.' segment`);
  }
}

// ---- saving -----------------------------------------------------------------------------------

async function saveToDirectory(fs: FileSystemLike, path: PathModule, dir: string, artifacts: ModelArtifacts): Promise<SaveResult> {
  if (dir.endsWith('.json')) throw new Error(`save: '${dir}' names a file; give the directory to save into (model.json and weight files are written there)`);
  const weightsOnly = artifacts.modelTopology === undefined || artifacts.modelTopology === null;
  const manifestName = weightsOnly ? 'weights_manifest.json' : 'model.json';
  const specs = artifacts.weightSpecs ?? [];
  const data = toBytes(artifacts.weightData);
  const hash = await contentHash(data);
  const shards = splitShards(data);
  const names = shards.map((_, i) => `${weightsOnly ? 'weights-' : ''}group1-shard${i + 1}of${shards.length}-${hash}.bin`);
  const group = { paths: names, weights: specs };
  const document = weightsOnly
    ? [group]
    : {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [group],
        ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
  const json = new TextEncoder().encode(JSON.stringify(document));
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`save: cannot create the directory '${dir}' (${(e as Error).message})`, { cause: e });
  }
  const manifestPath = path.join(dir, manifestName);
  const previous = await previousWeightFiles(fs, manifestPath);
  const suffix = `.tmp-${typeof process !== 'undefined' ? process.pid : 0}-${Math.random().toString(36).slice(2, 10)}`;
  const temporary: string[] = [];
  const created: string[] = [];
  const place = async (bytes: Uint8Array, final: string): Promise<void> => {
    const existed = (await fs.stat(final).catch(() => null)) !== null;
    const temp = final + suffix;
    temporary.push(temp);
    await fs.writeFile(temp, bytes);
    await fs.rename(temp, final);
    temporary.pop();
    if (!existed) created.push(final);
  };
  try {
    for (let i = 0; i < shards.length; i++) await place(shards[i]!, path.join(dir, names[i]!));
    await place(json, manifestPath); // the commit point: from here on, the new save is the save
  } catch (e) {
    for (const file of [...temporary, ...created.filter((f) => f !== manifestPath)]) await fs.unlink(file).catch(() => undefined);
    throw new Error(`save: writing the model to '${dir}' failed (${(e as Error).message}); the previous save there, if any, is unchanged`, { cause: e });
  }
  for (const old of previous) {
    if (!names.includes(old)) await fs.unlink(path.join(dir, old)).catch(() => undefined);
  }
  return { modelArtifactsInfo: artifactsInfo(artifacts), files: [manifestPath, ...names.map((n) => path.join(dir, n))] };
}

/** The weight files (plain names directly in the directory) the manifest about to be replaced uses. */
async function previousWeightFiles(fs: FileSystemLike, manifestPath: string): Promise<string[]> {
  try {
    const text = new TextDecoder().decode(await fs.readFile(manifestPath));
    const doc = parseJson(text, manifestPath, { maxBytes: 64 * 1024 * 1024, maxDepth: 100 });
    const manifest = Array.isArray(doc) ? doc : isObject(doc) ? get(doc, 'weightsManifest') : null;
    if (!Array.isArray(manifest)) return [];
    const out: string[] = [];
    for (const g of manifest) {
      const paths = isObject(g) ? get(g, 'paths') : null;
      if (!Array.isArray(paths)) continue;
      for (const p of paths) if (typeof p === 'string' && /^[\w.-]+\.bin$/.test(p) && !p.startsWith('.')) out.push(p);
    }
    return out;
  } catch {
    return [];
  }
}

function toBytes(data: ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (Array.isArray(data)) return concatBytes(data.map((b) => new Uint8Array(b)));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The first 16 hex digits of the SHA-256 of `data`. */
async function contentHash(data: Uint8Array): Promise<string> {
  const { createHash } = (await nodeModulesOrThrow()).crypto;
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
