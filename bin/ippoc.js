#!/usr/bin/env node
// The CLI is TypeScript run by Node's built-in type stripping (Node >= 22.18), so check first and
// say how to get a suitable Node instead of failing on the `.ts` import.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`ippoc needs Node >= 22.18; this is Node ${process.versions.node}.`)
  console.error('Run it through the project instead: `npx ippoc ...` or `npm run ippoc -- ...` use the Node 22 installed in node_modules.')
  process.exit(1)
}
const { main } = await import('../cli/ippoc.ts')
process.exitCode = await main(process.argv.slice(2))
