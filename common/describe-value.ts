/**
 * Describes a value for an error message ("Uint8Array(31)", "number 3", "undefined") without dumping
 * it whole: a wrong argument may be a secret or megabytes long.
 *
 * @example
 * describeValue(new Uint8Array(31)) // 'Uint8Array(31)'
 */
export function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`
  if (typeof value === 'string') return value.length > 80 ? `a ${value.length}-character string` : JSON.stringify(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`
  return typeof value
}
