// The public optimizers namespace (tk.optimizers). Filled in by its own issue work.
export {};
