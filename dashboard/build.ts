/**
 * Builds the dashboard page with Vite's JS API.
 *
 *   node dashboard/build.ts [OUT_DIR]      # default dashboard/dist
 */
import path from 'node:path'
import { build } from 'vite'

/** The folder the page is built into by default (git-ignored). */
export const defaultDashboardOutDir = path.join(import.meta.dirname, 'dist')

/**
 * Builds the page into `outDir` (emptied first) and returns the folder.
 *
 * @example
 * const distDir = await buildDashboard({ outDir: 'test-output/dashboard/dist' })
 */
export async function buildDashboard(parameters: { outDir?: string | undefined } = {}): Promise<string> {
  const outDir = path.resolve(parameters.outDir ?? defaultDashboardOutDir)
  await build({ configFile: path.join(import.meta.dirname, 'vite.config.ts'), build: { outDir, emptyOutDir: true } })
  return outDir
}

if (import.meta.main) {
  const outDir = await buildDashboard({ outDir: process.argv[2] })
  console.log(`Built the dashboard into ${path.relative(process.cwd(), outDir) || '.'}`)
}
