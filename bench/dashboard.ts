/**
 * Bundle size of the dashboard: builds the page with Vite into a temporary folder and sums the
 * gzip size of every emitted .js and .css file (node:zlib, level 9). The budget is 250 kB.
 *
 *   node bench/dashboard.ts
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { buildDashboard } from '../dashboard/build.ts'

/** The gzip budget of the page's JS and CSS, in kB. */
export const bundleGzipKilobytesMax = 250

const outDir = await mkdtemp(path.join(os.tmpdir(), 'ippoc-dashboard-bench-'))
try {
  const startedMs = performance.now()
  await buildDashboard({ outDir })
  const buildMs = performance.now() - startedMs
  let rawBytes = 0
  let gzipBytes = 0
  for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|css)$/.test(entry.name)) continue
    const bytes = await readFile(path.join(entry.parentPath, entry.name))
    const gzipped = gzipSync(bytes, { level: 9 }).length
    rawBytes += bytes.length
    gzipBytes += gzipped
    console.log(`${entry.name.padEnd(32)} ${(bytes.length / 1000).toFixed(1).padStart(8)} kB  gzip ${(gzipped / 1000).toFixed(1).padStart(7)} kB`)
  }
  const gzipKilobytes = Number((gzipBytes / 1000).toFixed(1))
  console.log(`total ${(rawBytes / 1000).toFixed(1)} kB, gzip ${gzipKilobytes} kB (budget ${bundleGzipKilobytesMax} kB), built in ${Math.round(buildMs)} ms`)
  if (gzipKilobytes > bundleGzipKilobytesMax) process.exitCode = 1
  console.log(JSON.stringify({ bench: 'dashboard', bundle_gzip_kb: gzipKilobytes, bundle_raw_kb: Number((rawBytes / 1000).toFixed(1)), build_ms: Math.round(buildMs) }))
} finally {
  await rm(outDir, { recursive: true, force: true })
}
