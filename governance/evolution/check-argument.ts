import { describeValue } from '../../common/describe-value.ts'
import { EvolutionParameterInvalidError } from './errors.ts'

/**
 * Argument checks shared by the public functions: each throws {@link EvolutionParameterInvalidError}
 * saying what it expected and what it got.
 */

/** The parameters object itself. */
export function checkParametersObject(value: unknown, shape: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EvolutionParameterInvalidError({ argument: 'parameters', expected: `an object ${shape}`, received: describeValue(value) })
  return value as Record<string, unknown>
}

/** A path: a non-empty string without NUL. */
export function checkPath(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) throw new EvolutionParameterInvalidError({ argument, expected: 'a non-empty path', received: describeValue(value) })
  return value
}

/** An integer from `min` to `max`, or `fallback` when left out. */
export function checkInteger(value: unknown, argument: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new EvolutionParameterInvalidError({ argument, expected: `an integer from ${min} to ${max}`, received: describeValue(value) })
  return value
}

/** A boolean, or `fallback` when left out. */
export function checkBoolean(value: unknown, argument: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new EvolutionParameterInvalidError({ argument, expected: 'a boolean', received: describeValue(value) })
  return value
}

/** An array of 1..`max` non-empty strings without NUL (a command), or `fallback` when left out. */
export function checkCommand(value: unknown, argument: string, max: number, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback
  const valid = Array.isArray(value) && value.length >= 1 && value.length <= max && value.every((item) => typeof item === 'string' && item !== '' && !item.includes('\0'))
  if (!valid) throw new EvolutionParameterInvalidError({ argument, expected: `an array of 1 to ${max} non-empty strings`, received: describeValue(value) })
  return [...(value as string[])]
}

/**
 * Repository-relative paths (`contracts/`, `package.json`): no leading `/`, no `..` or `.` segment,
 * no backslash. A leading `./` is dropped.
 */
export function checkRelativePaths(value: unknown, argument: string, max: number, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback
  const expected = `an array of at most ${max} repository-relative paths (e.g. 'contracts/')`
  if (!Array.isArray(value) || value.length > max) throw new EvolutionParameterInvalidError({ argument, expected, received: describeValue(value) })
  return value.map((item: unknown) => {
    const path = typeof item === 'string' ? item.replace(/^(\.\/)+/, '') : item
    const segments = typeof path === 'string' ? path.replace(/\/$/, '').split('/') : []
    const valid = typeof path === 'string' && path !== '' && !path.includes('\0') && !path.includes('\\') && !path.startsWith('/') && segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..')
    if (!valid) throw new EvolutionParameterInvalidError({ argument: `${argument} item`, expected, received: describeValue(item) })
    return path
  })
}
