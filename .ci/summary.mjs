// Sums up every test runner in a `npm test` log into one closing line, "N passed, N failed":
// node:test's TAP summary (`# pass N`, `# fail N`) and Hardhat's (`N passing`, `N failing`).
// Plain JavaScript so it runs on the machine's own Node, whatever its version.
import { readFileSync } from 'node:fs'

const log = readFileSync(process.argv[2], 'utf8')
let passed = 0
let failed = 0
let skipped = 0
const count = (pattern) => [...log.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0)
passed += count(/^# pass (\d+)$/gm) + count(/^\s*(\d+) passing\b/gm)
failed += count(/^# fail (\d+)$/gm) + count(/^\s*(\d+) failing\b/gm)
skipped += count(/^# skipped (\d+)$/gm) + count(/^\s*(\d+) pending\b/gm)
console.log(`ci: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
