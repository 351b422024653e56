// The CPython versions a workload may name ("python", --python). Kept apart from the zod schema so
// that the command line offers them without loading it.
export const PYTHON_VERSIONS = ['3.11', '3.12', '3.13'] as const;
