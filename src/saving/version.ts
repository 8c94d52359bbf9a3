// The Keras release tensorkit's Keras files follow: a module of its own, so `tk.saving.KERAS_VERSION`
// does not pull the file formats into a bundle's first script.

/**
 * The Keras release whose file layout the writer follows, recorded in `.keras` metadata.json and
 * `.h5` files.
 *
 * @example
 * ```ts
 * tk.saving.KERAS_VERSION;   // '3.10.0'
 * ```
 */
export const KERAS_VERSION = '3.10.0';
