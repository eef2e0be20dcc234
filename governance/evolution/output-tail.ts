/** Keeps the last bytes of a stream that may be arbitrarily long. */
export type OutputTail = {
  push(chunk: Buffer): void
  /** Total bytes pushed, kept or not. */
  readonly totalBytes: number
  /** The kept bytes as UTF-8, starting at a character boundary. */
  text(): string
}

/**
 * Makes an {@link OutputTail} that holds at most `bytesMax` bytes (plus one chunk while compacting).
 *
 * @example
 * const tail = createOutputTail(8192)
 * child.stdout.on('data', (chunk) => tail.push(chunk))
 */
export function createOutputTail(bytesMax: number): OutputTail {
  let chunks: Buffer[] = []
  let keptBytes = 0
  let totalBytes = 0
  const compact = () => {
    const joined = Buffer.concat(chunks)
    chunks = [joined.subarray(Math.max(0, joined.length - bytesMax))]
    keptBytes = chunks[0]?.length ?? 0
  }
  return {
    push(chunk) {
      chunks.push(chunk)
      keptBytes += chunk.length
      totalBytes += chunk.length
      if (keptBytes > 2 * bytesMax) compact()
    },
    get totalBytes() {
      return totalBytes
    },
    text() {
      compact()
      const kept = chunks[0] ?? Buffer.alloc(0)
      // A cut may fall inside a multi-byte character: skip its continuation bytes (10xxxxxx).
      let start = 0
      while (start < kept.length && start < 4 && ((kept[start] ?? 0) & 0xc0) === 0x80) start += 1
      return kept.subarray(start).toString('utf8')
    },
  }
}
