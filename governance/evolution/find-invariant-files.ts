/**
 * The touched paths that fall under an invariant path. `contracts/` (trailing slash) is a folder;
 * `package.json` is that file, and also a folder of that name if one exists.
 *
 * @example
 * findInvariantFiles(['contracts/Treasury.sol', 'node/peer.ts'], ['contracts/']) // ['contracts/Treasury.sol']
 */
export function findInvariantFiles(touchedFiles: readonly string[], invariantPaths: readonly string[]): string[] {
  return touchedFiles.filter((file) => invariantPaths.some((invariant) => isUnder(file, invariant)))
}

function isUnder(file: string, invariant: string): boolean {
  const folder = invariant.endsWith('/') ? invariant : `${invariant}/`
  return file === invariant || file.startsWith(folder)
}
