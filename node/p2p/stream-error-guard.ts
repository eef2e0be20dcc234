/**
 * A libp2p 3 / yamux quirk: a stream resumed after it closed sends a window update from a
 * microtask nobody awaits (`YamuxStream.sendWindowUpdate` → `StreamStateError: Cannot write to a
 * stream that is closed`), which would crash the process. It was seen under load with 100 nodes in
 * one process. This guard tolerates exactly that error and keeps Node's default for every other
 * uncaught error: print it and exit 1.
 */
let installed = false
let tolerated = 0

/** Installs the guard once per process; `onTolerated` hears each tolerated error. */
export function tolerateClosedStreamWrites(onTolerated?: (error: Error) => void): void {
  if (installed) return
  installed = true
  const handle = (error: unknown): void => {
    if (error instanceof Error && error.name === 'StreamStateError' && /^Cannot write to a stream that is/.test(error.message)) {
      tolerated++
      onTolerated?.(error)
      return
    }
    console.error(error)
    process.exit(1)
  }
  process.on('uncaughtException', handle)
  process.on('unhandledRejection', handle)
}

/** How many such errors the guard has swallowed in this process. */
export function toleratedStreamErrors(): number {
  return tolerated
}
