/**
 * Hardhat 3 configuration for the IPPOC governance contracts (`contracts/`).
 *
 * The compiler is the npm `solc` package's soljson.js: no compiler download is attempted, so builds
 * work offline. Solidity tests are `contracts/test/*.t.sol`; TypeScript contract tests (node:test +
 * viem) are `contracts/test/*.ts`.
 */
import path from 'node:path'
import hardhatToolboxViemPlugin from '@nomicfoundation/hardhat-toolbox-viem'
import { configVariable, defineConfig } from 'hardhat/config'

const soljsonPath = path.join(import.meta.dirname, 'node_modules', 'solc', 'soljson.js')

// One compiler for every profile, so `ignition deploy` and the tests use identical bytecode
// (and a deploy does not force a rebuild of the test artifacts).
const compiler = {
  version: '0.8.37',
  path: soljsonPath,
  settings: {
    // Prague: transient storage (ReentrancyGuardTransient) and the hardfork EDR simulates by default.
    evmVersion: 'prague',
    optimizer: { enabled: true, runs: 200 },
  },
} as const

export default defineConfig({
  plugins: [hardhatToolboxViemPlugin],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  paths: {
    sources: 'contracts',
    tests: {
      solidity: 'contracts/test',
      nodejs: 'contracts/test',
    },
  },
  networks: {
    default: {
      type: 'edr-simulated',
      chainType: 'l1',
      hardfork: 'prague',
    },
    localhost: {
      type: 'http',
      chainType: 'l1',
      url: 'http://127.0.0.1:8545',
    },
    testnet: {
      type: 'http',
      chainType: 'l1',
      url: configVariable('IPPOC_TESTNET_RPC_URL'),
      accounts: [configVariable('IPPOC_TESTNET_PRIVATE_KEY')],
    },
  },
})
