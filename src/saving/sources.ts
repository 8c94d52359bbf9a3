// Where a model or its weights come from, as bytes: a path, a file:// or http(s):// URL, or bytes
// given directly; what the bytes are is read from their first bytes (see load.ts). Also the
// `.keras` container itself, and error wrapping that names the file and the member.

import { Hdf5FormatError, readHdf5, type Hdf5Group } from '../formats/hdf5/index.js';
import { ZipFormatError, readZip, type ZipEntry } from '../formats/zip/index.js';
import type { IOHandler, ModelArtifacts } from '../models/io/artifacts.js';
import { ModelFileError } from '../models/io/errors.js';
import { artifactsFromJsonText, nodeFileSystem } from '../models/io/file_system.js';
import { parseJson, type JsonObject } from '../models/io/json.js';
import type { ResolvedLoadOptions } from '../models/io/load_weights.js';
import { isObject, show, type LoadLimits } from '../models/io/validate.js';

/**
 * Anything `tk.loadModel` reads: a path (a `.keras` or `.h5` file, a TF.js directory or its
 * model.json), an `http(s)://` or `file://` URL, the bytes of a `.keras` or `.h5` file, an
 * IOHandler, or TF.js model artifacts.
 */
export type KerasModelSource = string | URL | Uint8Array | ArrayBuffer | IOHandler | ModelArtifacts;

/** A source read: its bytes and a label for errors, or something for the TF.js loader. */
export type Bytes = { kind: 'bytes'; bytes: Uint8Array; what: string } | { kind: 'tfjs'; source: string | IOHandler | ModelArtifacts };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The most bytes a model file may have: its weights plus its JSON. */
function maxFileBytes(limits: LoadLimits): number {
  return limits.maxWeightBytes + limits.maxJsonBytes;
}

/** Reads a path, URL or byte source into bytes (or hands it to the TF.js loader). */
export async function resolveSource(source: KerasModelSource, opts: ResolvedLoadOptions, who: string): Promise<Bytes> {
  if (source instanceof Uint8Array) return { kind: 'bytes', bytes: source, what: 'the given bytes' };
  if (source instanceof ArrayBuffer) return { kind: 'bytes', bytes: new Uint8Array(source), what: 'the given bytes' };
  if (ArrayBuffer.isView(source)) return { kind: 'bytes', bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), what: 'the given bytes' };
  let location: string | null = null;
  if (source instanceof URL) location = source.href;
  else if (typeof source === 'string') location = source;
  if (location === null) return { kind: 'tfjs', source: source as IOHandler | ModelArtifacts };
  if (/^https?:\/\//i.test(location)) return fetchSource(location, opts, who);
  const path = /^file:\/\//i.test(location) ? decodeURIComponent(location.slice('file://'.length)) : location;
  if (path.toLowerCase().endsWith('.json')) return { kind: 'tfjs', source: path };
  const fs = opts.fs ?? (await nodeFileSystem());
  const stat = await fs.stat(path).catch(() => null);
  if (stat === null) throw new ModelFileError(`'${path}' does not exist`);
  if (stat.isDirectory()) return { kind: 'tfjs', source: path };
  if (!stat.isFile()) throw new ModelFileError(`'${path}' is not a file or a directory`);
  if (stat.size > maxFileBytes(opts.limits)) throw new ModelFileError(`'${path}' is ${stat.size} bytes, more than the limit of ${maxFileBytes(opts.limits)} (limits.maxWeightBytes + limits.maxJsonBytes)`);
  return { kind: 'bytes', bytes: await fs.readFile(path), what: path };
}

/** An http(s) URL: its bytes with the global fetch; a model.json there has its weight files fetched beside it. */
async function fetchSource(url: string, opts: ResolvedLoadOptions, who: string): Promise<Bytes> {
  const fetchBytes = async (u: string, max: number): Promise<Uint8Array> => {
    if (typeof fetch !== 'function') throw new Error(`${who}: loading '${u}' needs the global fetch (Node 18+, browsers)`);
    const response = await fetch(u);
    if (!response.ok) throw new ModelFileError(`${who}: fetching '${u}' failed: HTTP ${response.status} ${response.statusText}`);
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (length > max) throw new ModelFileError(`'${u}' is ${length} bytes, more than the limit of ${max}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > max) throw new ModelFileError(`'${u}' is ${bytes.byteLength} bytes, more than the limit of ${max}`);
    return bytes;
  };
  const bytes = await fetchBytes(url, maxFileBytes(opts.limits));
  if (looksLikeJson(bytes)) {
    const text = utf8(bytes, url);
    const artifacts = await artifactsFromJsonText(text, url, (p, max) => fetchBytes(new URL(p, url).href, max), opts.limits);
    return { kind: 'tfjs', source: artifacts };
  }
  return { kind: 'bytes', bytes, what: url };
}

export function looksLikeJson(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b || bytes[i] === 0x5b;
}

export function utf8(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ModelFileError(`${what} is not UTF-8 text`);
  }
}

/** What the first bytes say, for an error about a file that is none of the formats. */
export function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it is ${bytes.length} bytes starting with ${head}`;
}

/** Runs a container reader, naming the file (and member) in its error. */
export function inFile<T>(what: string, member: string | null, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Hdf5FormatError || e instanceof ZipFormatError) {
      throw new ModelFileError(`${what}${member === null ? '' : `: member '${member}'`}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** The config JSON of a file, parsed with the loader's limits into null-prototype data. */
export function parseConfig(text: string, what: string, limits: LoadLimits): JsonObject {
  const value = parseJson(text, what, { maxBytes: limits.maxJsonBytes, maxDepth: limits.maxJsonDepth });
  if (!isObject(value)) throw new ModelFileError(`${what}: expected a model config object { class_name, config }, got ${show(value)}`);
  return value;
}

/**
 * A `.keras` zip: its config and the root of its weights file.
 * NOTE: the readers keep their default limits (members inflate, and values read, to at most four
 * times the bytes given, or 256 MiB): Keras stores every member and never compresses weights.
 */
export function readKerasZip(bytes: Uint8Array, what: string, limits: LoadLimits): { config: JsonObject; weights: Hdf5Group } {
  const entries = inFile(what, null, () => readZip(bytes));
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const configEntry = byName.get('config.json');
  if (configEntry === undefined) throw new ModelFileError(`${what}: this zip is not a .keras file: it has no config.json (its members: ${entries.slice(0, 10).map((e) => `'${e.name}'`).join(', ')})`);
  const weightsEntry = byName.get('model.weights.h5');
  if (weightsEntry === undefined) {
    const npz = byName.has('model.weights.npz') ? ' (it has model.weights.npz: Keras\'s npz weights are not supported; save with the default h5 weights)' : '';
    throw new ModelFileError(`${what}: the .keras file has no model.weights.h5${npz}`);
  }
  const config = parseConfig(utf8(configEntry.data, `${what}: config.json`), `${what}: config.json`, limits);
  const weights = inFile(what, 'model.weights.h5', () => readHdf5(weightsEntry.data));
  return { config, weights };
}

