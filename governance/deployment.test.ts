import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { contractNames, deploymentPathFor, parseDeployment, readDeployment, writeDeployment, type Deployment } from './deployment.ts'

const contracts = Object.fromEntries(contractNames.map((name, index) => [name, `0x${(index + 1).toString(16).padStart(40, '0')}`])) as Deployment['contracts']
const deployment: Deployment = { chainId: 31337, contracts, deployedAt: 3 }

async function withDirectory(run: (directory: string) => Promise<void>) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ippoc-deployment-'))
  try {
    await run(directory)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

describe('deployment files', () => {
  it('round-trips through <chainId>.json', () =>
    withDirectory(async (directory) => {
      const file = await writeDeployment(deployment, directory)
      assert.equal(file, deploymentPathFor(31337, directory))
      assert.deepEqual(await readDeployment(file), deployment)
      assert.deepEqual(Object.keys(JSON.parse(await readFile(file, 'utf8'))), ['chainId', 'contracts', 'deployedAt'])
    }))

  it('normalizes addresses to checksum form', () => {
    const lower = { ...deployment, contracts: { ...contracts, governor: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' } }
    assert.equal(parseDeployment(lower, 'x').contracts.governor, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  })

  it('refuses a missing file, non-JSON and wrong shapes, naming the problem', () =>
    withDirectory(async (directory) => {
      await assert.rejects(readDeployment(path.join(directory, 'none.json')), { name: 'DeploymentNotFoundError' })
      const file = path.join(directory, 'bad.json')
      await writeFile(file, '{')
      await assert.rejects(readDeployment(file), { name: 'DeploymentInvalidError' })
      const cases: [unknown, RegExp][] = [
        [[], /JSON object/],
        [{ ...deployment, chainId: 0 }, /chainId/],
        [{ ...deployment, deployedAt: -1 }, /deployedAt/],
        [{ ...deployment, contracts: { ...contracts, treasury: '0x12' } }, /contracts\.treasury/],
        [{ ...deployment, contracts: { governor: contracts.governor } }, /contracts\.timelock/],
      ]
      for (const [value, problem] of cases) {
        assert.throws(() => parseDeployment(value, 'file.json'), (error: Error) => error.name === 'DeploymentInvalidError' && problem.test(error.message))
      }
    }))
})
