// The public metrics namespace (tk.metrics). Filled in by its own issue work.
export {};
