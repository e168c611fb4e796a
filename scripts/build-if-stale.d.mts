// Types of build-if-stale.mjs, for the tests that import it (test/, packages/server/test/).
/** Names (directory names under `packagesDir`) of the packages whose dist is missing or older than their sources. */
export function stalePackages(packagesDir?: string): string[];
