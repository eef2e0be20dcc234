/**
 * Preloaded (`node --import`) by the CLI tests while other parts of `cli/ippoc.ts` are still being
 * written: a module `cli/ippoc.ts` imports that does not exist yet resolves to a stub, so the real
 * `ippoc` entry point can run the identity commands.
 */
import { register } from 'node:module'

register(new URL('./stub-missing-cli-modules-hooks.ts', import.meta.url))
