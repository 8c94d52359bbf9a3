// The public callbacks namespace (tk.callbacks). Filled in by its own issue work.
export {};
