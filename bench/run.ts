/**
 * Runs benchmarks: `npm run bench` runs all of them, `npm run bench -- ledger [args]` one.
 * Each benchmark is its own script `bench/<name>.ts` that measures its baseline in the same run
 * (these machines are shared and noisy) and prints one JSON object as its last line.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const benchDir = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.test.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort()

function runOne(name: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    console.error(`bench: ${name} ${args.join(' ')}`.trim())
    const child = spawn(process.execPath, [join(benchDir, `${name}.ts`), ...args], { stdio: 'inherit' })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

const [name, ...args] = process.argv.slice(2)
if (name === '--help' || name === '-h') {
  console.log(`usage: npm run bench [-- NAME [ARGS...]]\nbenchmarks: ${available.join(', ')}`)
} else if (name === undefined) {
  let failures = 0
  for (const each of available) if ((await runOne(each, [])) !== 0) failures++
  process.exitCode = failures === 0 ? 0 : 1
} else if (!available.includes(name)) {
  console.error(`error: no benchmark named "${name}"\n  hint: pick one of ${available.join(', ')}`)
  process.exitCode = 2
} else {
  process.exitCode = await runOne(name, args)
}
