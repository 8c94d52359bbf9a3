// The error every loader check throws: a plain Error subclass, so `catch (e)` code that expects
// an Error keeps working, and callers can tell a bad file apart with `instanceof ModelFileError`.

/**
 * A model file (model.json, a weights file, or in-memory artifacts) is malformed, truncated,
 * oversized, or describes something tensorkit cannot build. The message names the file, the
 * field and what was wrong.
 *
 * @example
 * ```ts
 * try { await tk.loadModel('dir'); } catch (e) { if (e instanceof tk.io.ModelFileError) console.error(e.message); }
 * ```
 */
export class ModelFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelFileError';
  }
}
