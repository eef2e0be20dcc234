import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDeployArguments } from './deploy.ts'

describe('deploy arguments', () => {
  it('target the local chain by default', () => {
    assert.deepEqual(parseDeployArguments([], {}), { network: 'localhost', guardian: undefined, registrar: undefined, parametersFile: undefined })
  })

  it('refuse a testnet deployment without its RPC URL and key, naming both variables', () => {
    assert.throws(
      () => parseDeployArguments(['--network', 'testnet'], {}),
      (error: Error) => error.name === 'DeployConfigurationError' && /IPPOC_TESTNET_RPC_URL and IPPOC_TESTNET_PRIVATE_KEY/.test(error.message),
    )
    assert.throws(
      () => parseDeployArguments(['--network', 'testnet'], { IPPOC_TESTNET_RPC_URL: 'https://rpc.example' }),
      (error: Error) => error.name === 'DeployConfigurationError' && /needs IPPOC_TESTNET_PRIVATE_KEY\./.test(error.message),
    )
    const options = parseDeployArguments(['--network', 'testnet'], { IPPOC_TESTNET_RPC_URL: 'https://rpc.example', IPPOC_TESTNET_PRIVATE_KEY: '0x01' })
    assert.equal(options.network, 'testnet')
  })

  it('refuse unknown networks and malformed addresses; `--registrar none` means no registrar', () => {
    assert.throws(() => parseDeployArguments(['--network', 'mainnet'], {}), { name: 'DeployConfigurationError' })
    assert.throws(() => parseDeployArguments(['--guardian', '0x12'], {}), { name: 'DeployConfigurationError' })
    assert.equal(parseDeployArguments(['--registrar', 'none'], {}).registrar, '0x0000000000000000000000000000000000000000')
  })
})
