/**
 * The Ignition module wires the system together and leaves no admin right with the deployer.
 * Also checks that the committed `governance/abi.ts` matches the build.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { zeroAddress, type Address } from 'viem'
import { abiModulePath, renderAbiModule } from '../../governance/generate-abi.ts'
import { timelockRoles } from '../../ignition/modules/IppocGovernance.ts'
import { connectToTestNetwork, settings } from '../test-support/system.ts'

describe('IppocGovernance deployment', async () => {
  const t = await connectToTestNetwork()
  const { deployer, guardian } = t
  const same = (a: Address, b: Address) => assert.equal(a.toLowerCase(), b.toLowerCase())

  it('gives the governor its timelock roles and nobody else any', async () => {
    const { timelock, governor } = await t.loadSystem()
    for (const role of [timelockRoles.proposer, timelockRoles.executor, timelockRoles.canceller]) {
      assert.equal(await timelock.read.hasRole([role, governor.address]), true)
      assert.equal(await timelock.read.hasRole([role, deployer.account.address]), false)
    }
    assert.equal(await timelock.read.hasRole([timelockRoles.executor, zeroAddress]), false, 'execution is not open to anyone')
    assert.equal(await timelock.read.hasRole([timelockRoles.admin, deployer.account.address]), false, 'the deployer renounced')
    assert.equal(await timelock.read.hasRole([timelockRoles.admin, timelock.address]), true)
    assert.equal(await timelock.read.getMinDelay(), BigInt(settings.timelockDelaySeconds))
    assert.equal(await timelock.read.delayFloor(), BigInt(settings.timelockDelayFloorSeconds))
  })

  it('hands every other admin right to the timelock', async () => {
    const { timelock, governor, token, iusd, nodeRegistry, evolutionRegistry, treasury, ledgerAnchor } = await t.loadSystem()
    same(await token.read.owner(), timelock.address)
    same(await iusd.read.owner(), timelock.address)
    const admin = await nodeRegistry.read.DEFAULT_ADMIN_ROLE()
    const registrar = await nodeRegistry.read.REGISTRAR_ROLE()
    assert.equal(await nodeRegistry.read.hasRole([admin, timelock.address]), true)
    assert.equal(await nodeRegistry.read.hasRole([registrar, timelock.address]), true)
    assert.equal(await nodeRegistry.read.hasRole([admin, deployer.account.address]), false)
    assert.equal(await nodeRegistry.read.hasRole([registrar, deployer.account.address]), true, 'the configured registrar')
    same(await treasury.read.timelock(), timelock.address)
    same(await treasury.read.iusd(), iusd.address)
    same(await evolutionRegistry.read.timelock(), timelock.address)
    same(await evolutionRegistry.read.governor(), governor.address)
    same(await ledgerAnchor.read.nodeRegistry(), nodeRegistry.address)
  })

  it('connects the governor to its token, timelock, registry and guardian', async () => {
    const { governor, token, timelock, nodeRegistry, treasury } = await t.loadSystem()
    same(await governor.read.token(), token.address)
    same(await governor.read.timelock(), timelock.address)
    same(await governor.read.nodeRegistry(), nodeRegistry.address)
    same(await governor.read.proposalGuardian(), guardian.account.address)
    assert.equal(await governor.read.votingDelay(), BigInt(settings.votingDelayBlocks))
    assert.equal(await governor.read.votingPeriod(), BigInt(settings.votingPeriodBlocks))
    assert.equal(await governor.read.quorumNumerator(), BigInt(settings.quorumPercent))
    assert.equal(await token.read.getVotes([deployer.account.address]), settings.constitutionSupply, 'the deployer self-delegated')
    assert.equal(await treasury.read.iusdBalance(), settings.iusdSupply)
  })

  it('the committed governance/abi.ts matches the build (run `npm run generate:abi` if not)', async () => {
    const expected = await renderAbiModule({ artifactsDir: path.join(import.meta.dirname, '..', '..', 'artifacts') })
    assert.equal(await readFile(abiModulePath, 'utf8'), expected)
  })
})
