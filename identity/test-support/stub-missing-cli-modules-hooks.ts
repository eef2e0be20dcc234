/**
 * Module resolution hooks for {@link ./stub-missing-cli-modules.ts}: a missing module imported by
 * `cli/ippoc.ts` becomes a stub whose `register…` functions do nothing.
 */
import type { ResolveHook } from 'node:module'

const STUB_SOURCE = 'export function registerLedgerCommands() {}\nexport function registerDemoCommand() {}\n'
const STUB_URL = `data:text/javascript,${encodeURIComponent(STUB_SOURCE)}`

/** Resolves as usual, except missing imports of `cli/ippoc.ts`, which resolve to the stub. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  try {
    return await nextResolve(specifier, context)
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND'
    if (missing && context.parentURL?.endsWith('/cli/ippoc.ts')) return { url: STUB_URL, shortCircuit: true }
    throw error
  }
}
