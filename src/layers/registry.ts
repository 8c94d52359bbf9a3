// The class registry: how a saved config names a layer class (`'Dense'`, `'MyScale'`) and how it
// becomes an object again. Built-in classes are registered in one place (src/models/builtins.ts);
// custom layers and models register themselves with `tk.registerClass(MyLayer)`, as with Keras's
// `register_keras_serializable`, so that models using them save and load.
//
// A config entry is `{ className, config }` (TF.js camelCase), and `config` is what the class's
// `getConfig()` returned; `Class.fromConfig(config)` rebuilds the object.

import type { Tensor } from '../tensor/tensor.js';
import type { Layer, LayerConfig } from './layer.js';

/** A class the registry can rebuild: a Layer class with a static `fromConfig`. */
export interface SerializableClass {
  /** The name configs use for it. */
  readonly className: string;
  /** Builds an instance from `getConfig()`'s output. */
  fromConfig(config: LayerConfig): Layer<Tensor | Tensor[]>;
  /** The JS class name (for messages). */
  readonly name: string;
}

const classes = new Map<string, SerializableClass>();
/** Where a config entry came from (a file path), for the errors of the object it becomes. */
const origins = new WeakMap<object, string>();

/** @internal Records where a config entry was read from, so a failure to build it names that place. */
export function setEntryOrigin(entry: object, who: string): void {
  origins.set(entry, who);
}
const builtins = new Set<string>();

/**
 * Registers a custom layer or model class under its static `className` (or `name`), so that
 * models using it can be saved and loaded, and `fromConfig` finds it.
 *
 * @example
 * ```ts
 * class Scale extends tk.layers.Layer {
 *   static className = 'Scale';
 *   call(x: tk.Tensor) { return x.mul(2); }
 * }
 * tk.registerClass(Scale);
 * ```
 */
export function registerClass(cls: SerializableClass, options: { name?: string } = {}): void {
  if (typeof (cls as unknown) !== 'function' || typeof (cls as { fromConfig?: unknown }).fromConfig !== 'function') {
    throw new Error(`registerClass: expected a Layer or Model class (with a static fromConfig, which tk.layers.Layer provides), got ${typeof cls}`);
  }
  const name = options.name ?? (Object.hasOwn(cls, 'className') ? cls.className : cls.name);
  if (typeof name !== 'string' || name === '') throw new Error('registerClass: the class needs a static className (or pass { name })');
  const existing = classes.get(name);
  if (existing !== undefined && existing !== cls) {
    const what = builtins.has(name) ? 'a built-in class' : `the class ${existing.name}`;
    throw new Error(`registerClass: the name '${name}' is already taken by ${what}; give your class another static className (or pass { name })`);
  }
  classes.set(name, cls);
}

/** @internal Registers a built-in class (src/models/builtins.ts), under its name and any aliases. */
export function registerBuiltin(cls: SerializableClass, ...aliases: string[]): void {
  for (const name of [cls.className, ...aliases]) {
    classes.set(name, cls);
    builtins.add(name);
  }
}

/**
 * The class registered under `name`, or undefined.
 *
 * @example
 * ```ts
 * tk.getRegisteredClass('Dense') === tk.layers.Dense;   // true
 * ```
 */
export function getRegisteredClass(name: string): SerializableClass | undefined {
  return classes.get(name);
}

/** Every registered class name, built-in and custom, sorted. */
export function registeredClassNames(): string[] {
  return [...classes.keys()].sort();
}

/**
 * A layer from a `{ className, config }` entry, through the registry; `who` locates the entry in
 * errors. An unknown class is named, with the registered ones listed.
 *
 * @example
 * ```ts
 * const dense = tk.deserializeLayer({ className: 'Dense', config: new tk.layers.Dense(3).getConfig() });
 * ```
 */
export function deserializeLayer(entry: unknown, who = 'deserializeLayer'): Layer<Tensor | Tensor[]> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${who}: expected { className, config }, got ${entry === null ? 'null' : typeof entry}`);
  const { className, config } = entry as { className?: unknown; config?: unknown };
  if (typeof className !== 'string') throw new Error(`${who}: className must be a string, got ${typeof className}`);
  const cls = classes.get(className);
  if (cls === undefined) {
    throw new Error(`${who}: unknown layer class '${className}'; registered classes are ${registeredClassNames().join(', ')} (register a custom class with tk.registerClass)`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${who}: config of '${className}' must be an object`);
  const origin = origins.get(entry);
  if (origin === undefined) return cls.fromConfig(config as LayerConfig);
  try {
    return cls.fromConfig(config as LayerConfig);
  } catch (e) {
    throw new Error(`${origin}: ${(e as Error).message}`);
  }
}
