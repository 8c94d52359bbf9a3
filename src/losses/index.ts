// The public losses namespace (tk.losses). Filled in by its own issue work.
export {};
