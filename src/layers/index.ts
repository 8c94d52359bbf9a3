// The public layers namespace (tk.layers). Filled in by its own issue work.
export {};
