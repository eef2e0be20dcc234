/**
 * EvolutionRegistry: a node records a patch linked to the governor proposal that approves it;
 * status moves only by governance.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keccak256, sha256, toBytes, type Address, type Hex } from 'viem'
import { evolutionRegistryAbi } from '../../governance/abi.ts'
import { ProposalState, Support, action, connectToTestNetwork, nodeIdOf, proposal, type Proposal } from '../test-support/system.ts'

const Status = { None: 0, Proposed: 1, Approved: 2, Vetoed: 3, Deployed: 4, RolledBack: 5 } as const
const patchHash = sha256(toBytes('diff --git a/x b/x'))
const reportHash = sha256(toBytes('{"passed":true}'))
const riskScoreBps = 1200

describe('EvolutionRegistry', async () => {
  const t = await connectToTestNetwork()
  const { viem, deployer, outsider, guardian } = t
  const sameAddress = (expected: Address) => (actual: Address) => actual.toLowerCase() === expected.toLowerCase()

  /** A node opens the approval proposal and records the evolution, as `ippoc evolve propose` does. */
  async function proposedEvolution() {
    const system = await t.loadSystem()
    const [node] = await t.registerNodes(system, 1)
    const evolutionId = await system.evolutionRegistry.read.evolutionIdOf([patchHash, reportHash, nodeIdOf(0)])
    const [targets, values, calldatas] = await system.evolutionRegistry.read.approvalCalls([evolutionId])
    const approval: Proposal = { targets: [...targets], values: [...values], calldatas: [...calldatas], description: `Approve evolution ${evolutionId}` }
    const proposalId = await t.propose(system, approval, node!)
    const descriptionHash = keccak256(toBytes(approval.description))
    await t.mined(system.evolutionRegistry.write.proposeEvolution([patchHash, riskScoreBps, reportHash, descriptionHash], { account: node! }))
    return { system, node: node!, evolutionId, approval, proposalId }
  }

  /** Passes and queues a proposal with the deployer's weight, then starts its execution. */
  async function enact(system: Awaited<ReturnType<typeof t.loadSystem>>, item: Proposal) {
    await t.passAndQueue(system, item)
    return { execution: t.execute(system, item) }
  }

  it('records an evolution linked to its approval proposal', async () => {
    const { system, evolutionId, proposalId } = await proposedEvolution()
    const record = await system.evolutionRegistry.read.getEvolution([evolutionId])
    assert.equal(record.patchHash, patchHash)
    assert.equal(record.reportHash, reportHash)
    assert.equal(record.proposerNodeId, nodeIdOf(0))
    assert.equal(record.governorProposalId, proposalId)
    assert.equal(record.riskScoreBps, riskScoreBps)
    assert.equal(record.status, Status.Proposed)
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), false)
  })

  it('approves only when the linked proposal executes', async () => {
    const { system, evolutionId, approval, proposalId } = await proposedEvolution()
    await t.startVoting()
    await t.mined(system.governor.write.castVote([proposalId, Support.For]))
    await t.endVoting()
    await t.queueAndWait(system, approval)
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), false, 'queued is not approved')
    await viem.assertions.emitWithArgs(t.execute(system, approval), system.evolutionRegistry, 'EvolutionStatusChanged', [evolutionId, Status.Proposed, Status.Approved])
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), true)
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, sha256(toBytes('another patch'))]), false, 'only this exact patch')
  })

  it('nobody moves a status directly: not the proposer node, the deployer, the guardian or an outsider', async () => {
    const { system, node, evolutionId } = await proposedEvolution()
    for (const caller of [node, deployer.account.address, guardian.account.address, outsider.account.address]) {
      for (const functionName of ['approveEvolution', 'markDeployed', 'markRolledBack'] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          system.evolutionRegistry.write[functionName]([evolutionId], { account: caller }),
          system.evolutionRegistry,
          'EvolutionRegistryUnauthorized',
          [sameAddress(caller)],
        )
      }
    }
    assert.equal((await system.evolutionRegistry.read.getEvolution([evolutionId])).status, Status.Proposed)
  })

  it('another proposal cannot approve the evolution before its own proposal executed', async () => {
    const { system, evolutionId, proposalId } = await proposedEvolution()
    const sneaky = proposal('Approve it elsewhere', action(system.evolutionRegistry.address, evolutionRegistryAbi, 'approveEvolution', [evolutionId]))
    await t.passAndQueue(system, sneaky)
    await viem.assertions.revertWithCustomErrorWithArgs(t.execute(system, sneaky), system.evolutionRegistry, 'EvolutionRegistryUnexpectedProposalState', [
      evolutionId,
      proposalId,
      ProposalState.Defeated,
    ])
  })

  it('a vetoed proposal makes the evolution Vetoed, never approvable', async () => {
    const { system, evolutionId, approval, proposalId } = await proposedEvolution()
    await viem.assertions.revertWithCustomErrorWithArgs(system.evolutionRegistry.write.recordRejection([evolutionId]), system.evolutionRegistry, 'EvolutionRegistryUnexpectedProposalState', [
      evolutionId,
      proposalId,
      ProposalState.Active,
    ])
    await t.mined(system.governor.write.cancel([approval.targets, approval.values, approval.calldatas, keccak256(toBytes(approval.description))], { account: guardian.account }))
    await viem.assertions.emitWithArgs(system.evolutionRegistry.write.recordRejection([evolutionId], { account: outsider.account }), system.evolutionRegistry, 'EvolutionStatusChanged', [
      evolutionId,
      Status.Proposed,
      Status.Vetoed,
    ])
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), false)
  })

  it('Approved moves to Deployed and then RolledBack only through later proposals, in order', async () => {
    const { system, evolutionId, approval, proposalId } = await proposedEvolution()
    await t.startVoting()
    await t.mined(system.governor.write.castVote([proposalId, Support.For]))
    // A proposal marking it Deployed before it is Approved fails.
    const early = proposal('Mark deployed early', action(system.evolutionRegistry.address, evolutionRegistryAbi, 'markDeployed', [evolutionId]))
    await viem.assertions.revertWithCustomErrorWithArgs((await enact(system, early)).execution, system.evolutionRegistry, 'EvolutionRegistryUnexpectedStatus', [
      evolutionId,
      Status.Proposed,
      1n << BigInt(Status.Approved),
    ])
    await t.queueAndWait(system, approval)
    await t.mined(t.execute(system, approval))

    const deploy = proposal('Mark deployed', action(system.evolutionRegistry.address, evolutionRegistryAbi, 'markDeployed', [evolutionId]))
    await t.mined((await enact(system, deploy)).execution)
    assert.equal((await system.evolutionRegistry.read.getEvolution([evolutionId])).status, Status.Deployed)
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), true)

    const rollback = proposal('Roll back', action(system.evolutionRegistry.address, evolutionRegistryAbi, 'markRolledBack', [evolutionId]))
    await t.mined((await enact(system, rollback)).execution)
    assert.equal((await system.evolutionRegistry.read.getEvolution([evolutionId])).status, Status.RolledBack)
    assert.equal(await system.evolutionRegistry.read.isApproved([evolutionId, patchHash]), false, 'a rolled-back patch is no longer approved')
  })

  it('refuses bad records: unregistered caller, bad risk score, zero hash, no open proposal, duplicates', async () => {
    const { system, node, evolutionId, approval } = await proposedEvolution()
    const descriptionHash = keccak256(toBytes(approval.description))
    await viem.assertions.revertWithCustomErrorWithArgs(
      system.evolutionRegistry.write.proposeEvolution([patchHash, riskScoreBps, reportHash, descriptionHash], { account: outsider.account }),
      system.evolutionRegistry,
      'EvolutionRegistryUnregisteredNode',
      [sameAddress(outsider.account.address)],
    )
    await viem.assertions.revertWithCustomErrorWithArgs(
      system.evolutionRegistry.write.proposeEvolution([patchHash, 10_001, reportHash, descriptionHash], { account: node }),
      system.evolutionRegistry,
      'EvolutionRegistryInvalidRiskScore',
      [10_001n],
    )
    const zero: Hex = `0x${'0'.repeat(64)}`
    await viem.assertions.revertWithCustomErrorWithArgs(
      system.evolutionRegistry.write.proposeEvolution([zero, riskScoreBps, reportHash, descriptionHash], { account: node }),
      system.evolutionRegistry,
      'EvolutionRegistryInvalidHash',
      [zero, reportHash],
    )
    await viem.assertions.revertWithCustomErrorWithArgs(
      system.evolutionRegistry.write.proposeEvolution([patchHash, riskScoreBps, reportHash, descriptionHash], { account: node }),
      system.evolutionRegistry,
      'EvolutionRegistryAlreadyProposed',
      [evolutionId],
    )
    const otherPatch = sha256(toBytes('another patch'))
    const otherId = await system.evolutionRegistry.read.evolutionIdOf([otherPatch, reportHash, nodeIdOf(0)])
    const missingProposalId = await system.evolutionRegistry.read.approvalProposalIdOf([otherId, descriptionHash])
    await viem.assertions.revertWithCustomErrorWithArgs(
      system.evolutionRegistry.write.proposeEvolution([otherPatch, riskScoreBps, reportHash, descriptionHash], { account: node }),
      system.evolutionRegistry,
      'EvolutionRegistryProposalNotOpen',
      [missingProposalId],
    )
    await viem.assertions.revertWithCustomErrorWithArgs(system.evolutionRegistry.write.recordRejection([otherId]), system.evolutionRegistry, 'EvolutionRegistryUnknownEvolution', [otherId])
  })
})
