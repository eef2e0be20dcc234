/**
 * HybridGovernor: hybrid voting (human + bounded AI advisory), the guardian's veto, the timelock,
 * and the invariants no proposal can change.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeFunctionData, keccak256, parseEther, toBytes, zeroAddress, type Address, type Hex } from 'viem'
import { guardedTimelockAbi, hybridGovernorAbi, nodeRegistryAbi } from '../../governance/abi.ts'
import { timelockRoles } from '../../ignition/modules/IppocGovernance.ts'
import { ProposalState, Support, action, connectToTestNetwork, nodeIdOf, proposal, settings } from '../test-support/system.ts'

const advisoryParams = keccak256(toBytes('ippoc.vote.advisory')).slice(0, 10) as Hex

describe('HybridGovernor', async () => {
  const t = await connectToTestNetwork()
  const { viem, deployer, human, outsider, guardian } = t

  /** A harmless proposal: mint 1 constitutional token to `human`. */
  function mintProposal(system: Awaited<ReturnType<typeof t.loadSystem>>, description = 'Mint 1 token to a human') {
    return proposal(description, action(system.token.address, system.token.abi, 'mint', [human.account.address, parseEther('1')]))
  }

  describe('standard interface', () => {
    it('speaks IGovernor: interface id, counting mode, clock, AI bound', async () => {
      const { governor, token } = await t.loadSystem()
      const iGovernorInterfaceId = '0x65455a86'
      assert.equal(await governor.read.supportsInterface([iGovernorInterfaceId]), true)
      assert.equal(await governor.read.COUNTING_MODE(), 'support=bravo&quorum=for,abstain&params=ippoc-advisory')
      assert.equal(await governor.read.CLOCK_MODE(), 'mode=blocknumber&from=default')
      assert.equal(await governor.read.AI_SHARE_MAX_BPS(), 2000n)
      assert.equal(await governor.read.ADVISORY_VOTE_PARAMS(), advisoryParams)
      assert.equal((await governor.read.token()).toLowerCase(), token.address.toLowerCase())
      assert.equal(await governor.read.votingPeriod(), BigInt(settings.votingPeriodBlocks))
    })
  })

  describe('hybrid voting', () => {
    it('a proposal passes by human vote, waits in the timelock, then executes', async () => {
      const system = await t.loadSystem()
      const item = mintProposal(system)
      const proposalId = await t.propose(system, item)
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Pending)
      await t.startVoting()
      await viem.assertions.emitWithArgs(system.governor.write.castVote([proposalId, Support.For]), system.governor, 'VoteCast', [
        (voter: Address) => voter.toLowerCase() === deployer.account.address.toLowerCase(),
        proposalId,
        Support.For,
        settings.constitutionSupply,
        '',
      ])
      await t.endVoting()
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Succeeded)
      await t.mined(system.governor.write.queue([item.targets, item.values, item.calldatas, keccak256(toBytes(item.description))]))
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Queued)
      // Before the delay the timelock refuses.
      await viem.assertions.revertWithCustomError(t.execute(system, item), system.timelock, 'TimelockUnexpectedOperationState')
      await t.networkHelpers.time.increase(settings.timelockDelaySeconds + 1)
      await t.mined(t.execute(system, item))
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Executed)
      assert.equal(await system.token.read.balanceOf([human.account.address]), parseEther('1'))
    })

    it('a registered node casts an advisory vote weighted by its share of the AI budget', async () => {
      const system = await t.loadSystem()
      const [node] = await t.registerNodes(system, 4)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      const snapshot = await system.governor.read.proposalSnapshot([proposalId])
      const expectedWeight = settings.constitutionSupply / 4n / 4n
      assert.equal(await system.governor.read.advisoryWeight([snapshot]), expectedWeight)
      await viem.assertions.emitWithArgs(
        system.governor.write.castAdvisoryVote([proposalId, Support.For, 'patch re-verified'], { account: node! }),
        system.governor,
        'VoteCastWithParams',
        [(voter: Address) => voter.toLowerCase() === node!.toLowerCase(), proposalId, Support.For, expectedWeight, 'patch re-verified', advisoryParams],
      )
      assert.deepEqual(await system.governor.read.proposalAdvisoryVotes([proposalId]), [0n, expectedWeight, 0n])
      assert.equal(await system.governor.read.hasVoted([proposalId, node!]), true)
    })

    it('castVoteWithReasonAndParams with the advisory params is an AI vote too', async () => {
      const system = await t.loadSystem()
      const [node] = await t.registerNodes(system, 1)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      await t.mined(system.governor.write.castVoteWithReasonAndParams([proposalId, Support.Against, '', advisoryParams], { account: node! }))
      assert.deepEqual(await system.governor.read.proposalAdvisoryVotes([proposalId]), [settings.constitutionSupply / 4n, 0n, 0n])
    })

    it('the AI share never exceeds 20 % of the counted votes, even with many nodes and few humans', async () => {
      const system = await t.loadSystem()
      const nodes = await t.registerNodes(system, 10)
      // A small human holder; the deployer keeps the rest but does not vote.
      const smallHolding = parseEther('50000')
      await t.mined(system.token.write.transfer([human.account.address, smallHolding]))
      await t.mined(system.token.write.delegate([human.account.address], { account: human.account }))
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      await t.mined(system.governor.write.castVote([proposalId, Support.For], { account: human.account }))
      for (const node of nodes) {
        await t.mined(system.governor.write.castAdvisoryVote([proposalId, Support.Against, ''], { account: node }))
      }
      const [aiAgainst] = await system.governor.read.proposalAdvisoryVotes([proposalId])
      assert.equal(aiAgainst, settings.constitutionSupply / 4n, 'all nodes together hold the whole AI budget')
      assert.ok(aiAgainst > smallHolding * 4n, 'raw AI weight dwarfs the human vote')

      const [against, forVotes, abstain] = await system.governor.read.proposalVotes([proposalId])
      const total = against + forVotes + abstain
      assert.equal(forVotes, smallHolding)
      assert.equal(against, smallHolding / 4n, 'AI counted weight is capped at human/4, i.e. 20 % of the total')
      assert.ok(against * 10_000n <= total * 2_000n)
      await t.endVoting()
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Succeeded, 'AI cannot overturn the humans')
    })

    it('AI votes cannot pass a proposal without human quorum', async () => {
      const system = await t.loadSystem()
      const nodes = await t.registerNodes(system, 5)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      for (const node of nodes) {
        await t.mined(system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: node }))
      }
      assert.deepEqual(await system.governor.read.proposalVotes([proposalId]), [0n, 0n, 0n])
      await t.endVoting()
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Defeated)
    })

    it('an AI vote from an unregistered address reverts', async () => {
      const system = await t.loadSystem()
      await t.registerNodes(system, 2)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      const snapshot = await system.governor.read.proposalSnapshot([proposalId])
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: outsider.account }),
        system.governor,
        'HybridGovernorUnregisteredNode',
        [(account: Address) => account.toLowerCase() === outsider.account.address.toLowerCase(), snapshot],
      )
    })

    it('a node registered after the snapshot cannot vote on that proposal', async () => {
      const system = await t.loadSystem()
      await t.registerNodes(system, 1)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      const late = t.nodeWallets[5]!.account
      await t.mined(system.nodeRegistry.write.registerNode([nodeIdOf(99), late.address]))
      const snapshot = await system.governor.read.proposalSnapshot([proposalId])
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: late }),
        system.governor,
        'HybridGovernorUnregisteredNode',
        [(account: Address) => account.toLowerCase() === late.address.toLowerCase(), snapshot],
      )
    })

    it('a second vote by the same account reverts, human or AI', async () => {
      const system = await t.loadSystem()
      const [node] = await t.registerNodes(system, 1)
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      await t.mined(system.governor.write.castVote([proposalId, Support.For]))
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.castVote([proposalId, Support.Against]),
        system.governor,
        'GovernorAlreadyCastVote',
        [(account: Address) => account.toLowerCase() === deployer.account.address.toLowerCase()],
      )
      await t.mined(system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: node! }))
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: node! }),
        system.governor,
        'GovernorAlreadyCastVote',
        [(account: Address) => account.toLowerCase() === node!.toLowerCase()],
      )
      // A node that also holds tokens still has one vote per proposal.
      await viem.assertions.revertWithCustomError(
        system.governor.write.castVote([proposalId, Support.For], { account: node! }),
        system.governor,
        'GovernorAlreadyCastVote',
      )
    })

    it('unknown vote params and vote types revert', async () => {
      const system = await t.loadSystem()
      const proposalId = await t.propose(system, mintProposal(system))
      await t.startVoting()
      // Unknown params are refused before any weight is read.
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.castVoteWithReasonAndParams([proposalId, Support.For, '', '0xdeadbeef']),
        system.governor,
        'HybridGovernorInvalidVoteParams',
        ['0xdeadbeef'],
      )
      await viem.assertions.revertWithCustomError(system.governor.write.castVote([proposalId, 3]), system.governor, 'GovernorInvalidVoteType')
    })
  })

  describe('guardian veto', () => {
    it('the guardian vetoes an active proposal', async () => {
      const system = await t.loadSystem()
      const item = mintProposal(system)
      const proposalId = await t.propose(system, item)
      await t.startVoting()
      const cancel = system.governor.write.cancel([item.targets, item.values, item.calldatas, keccak256(toBytes(item.description))], { account: guardian.account })
      await viem.assertions.emitWithArgs(cancel, system.governor, 'ProposalVetoed', [
        proposalId,
        (account: Address) => account.toLowerCase() === guardian.account.address.toLowerCase(),
      ])
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Canceled)
      await viem.assertions.revertWithCustomError(system.governor.write.castVote([proposalId, Support.For]), system.governor, 'GovernorUnexpectedProposalState')
    })

    it('the guardian vetoes a queued proposal and the timelock operation is cancelled too', async () => {
      const system = await t.loadSystem()
      const item = mintProposal(system)
      const proposalId = await t.passAndQueue(system, item)
      const descriptionHash = keccak256(toBytes(item.description))
      const salt = (`0x${system.governor.address.slice(2).toLowerCase()}${'0'.repeat(24)}` as `0x${string}`)
      const operationSalt = `0x${(BigInt(salt) ^ BigInt(descriptionHash)).toString(16).padStart(64, '0')}` as `0x${string}`
      const operationId = await system.timelock.read.hashOperationBatch([item.targets, item.values, item.calldatas, `0x${'0'.repeat(64)}`, operationSalt])
      assert.equal(await system.timelock.read.isOperationPending([operationId]), true)

      await t.mined(system.governor.write.cancel([item.targets, item.values, item.calldatas, descriptionHash], { account: guardian.account }))
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Canceled)
      assert.equal(await system.timelock.read.isOperation([operationId]), false, 'the timelock operation is gone')
      await viem.assertions.revertWithCustomError(t.execute(system, item), system.governor, 'GovernorUnexpectedProposalState')
      assert.equal(await system.token.read.balanceOf([human.account.address]), 0n)
    })

    it('nobody but the guardian can veto, and an executed proposal cannot be vetoed', async () => {
      const system = await t.loadSystem()
      const item = mintProposal(system)
      const descriptionHash = keccak256(toBytes(item.description))
      const proposalId = await t.passAndQueue(system, item)
      for (const caller of [deployer, outsider]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          system.governor.write.cancel([item.targets, item.values, item.calldatas, descriptionHash], { account: caller.account }),
          system.governor,
          'GovernorUnableToCancel',
          [proposalId, (account: Address) => account.toLowerCase() === caller.account.address.toLowerCase()],
        )
      }
      await t.mined(t.execute(system, item))
      await viem.assertions.revertWithCustomError(
        system.governor.write.cancel([item.targets, item.values, item.calldatas, descriptionHash], { account: guardian.account }),
        system.governor,
        'GovernorUnexpectedProposalState',
      )
    })

    it('only the guardian hands the veto over, never to nobody', async () => {
      const system = await t.loadSystem()
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.setProposalGuardian([outsider.account.address], { account: outsider.account }),
        system.governor,
        'HybridGovernorUnauthorizedGuardian',
        [(account: Address) => account.toLowerCase() === outsider.account.address.toLowerCase()],
      )
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.governor.write.setProposalGuardian([zeroAddress], { account: guardian.account }),
        system.governor,
        'HybridGovernorInvalidGuardian',
        [zeroAddress],
      )
      await viem.assertions.emit(system.governor.write.setProposalGuardian([human.account.address], { account: guardian.account }), system.governor, 'ProposalGuardianSet')
      assert.equal((await system.governor.read.proposalGuardian()).toLowerCase(), human.account.address.toLowerCase())
    })
  })

  describe('invariants no proposal can change', () => {
    /** Passes and queues `item`, then starts its execution (the promise the test asserts on). */
    async function passThenExecute(system: Awaited<ReturnType<typeof t.loadSystem>>, item: ReturnType<typeof proposal>) {
      const proposalId = await t.passAndQueue(system, item)
      return { proposalId, execution: t.execute(system, item) }
    }

    it('a proposal cannot replace the guardian', async () => {
      const system = await t.loadSystem()
      const item = proposal('Replace the guardian', action(system.governor.address, hybridGovernorAbi, 'setProposalGuardian', [outsider.account.address]))
      const { proposalId, execution } = await passThenExecute(system, item)
      await viem.assertions.revertWithCustomErrorWithArgs(execution, system.governor, 'HybridGovernorUnauthorizedGuardian', [
        (account: Address) => account.toLowerCase() === system.timelock.address.toLowerCase(),
      ])
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Queued)
      assert.equal((await system.governor.read.proposalGuardian()).toLowerCase(), guardian.account.address.toLowerCase())
    })

    it("a proposal cannot take the governor's cancel right (the veto of queued proposals)", async () => {
      const system = await t.loadSystem()
      const item = proposal(
        'Revoke the canceller role',
        action(system.timelock.address, guardedTimelockAbi, 'revokeRole', [timelockRoles.canceller, system.governor.address]),
      )
      const { execution } = await passThenExecute(system, item)
      await viem.assertions.revertWithCustomErrorWithArgs(execution, system.timelock, 'GuardedTimelockCancellerPermanent', [
        (account: Address) => account.toLowerCase() === system.governor.address.toLowerCase(),
      ])
      assert.equal(await system.timelock.read.hasRole([timelockRoles.canceller, system.governor.address]), true)
    })

    it('a proposal cannot add a proposer, executor or admin that would bypass the veto', async () => {
      const system = await t.loadSystem()
      for (const [name, role] of [['proposer', timelockRoles.proposer], ['executor', timelockRoles.executor], ['admin', timelockRoles.admin]] as const) {
        const item = proposal(`Grant ${name} to an outsider`, action(system.timelock.address, guardedTimelockAbi, 'grantRole', [role, outsider.account.address]))
        const { execution } = await passThenExecute(system, item)
        await viem.assertions.revertWithCustomErrorWithArgs(execution, system.timelock, 'GuardedTimelockRoleLocked', [
          role,
          (account: Address) => account.toLowerCase() === outsider.account.address.toLowerCase(),
        ])
      }
    })

    it('a proposal cannot shrink the timelock delay below the floor', async () => {
      const system = await t.loadSystem()
      const item = proposal('Remove the delay', action(system.timelock.address, guardedTimelockAbi, 'updateDelay', [0n]))
      const { execution } = await passThenExecute(system, item)
      await viem.assertions.revertWithCustomErrorWithArgs(execution, system.timelock, 'GuardedTimelockDelayBelowFloor', [
        0n,
        BigInt(settings.timelockDelayFloorSeconds),
      ])
    })

    it('a proposal cannot swap the timelock or relay calls to it', async () => {
      const system = await t.loadSystem()
      const swap = proposal('Swap the timelock', action(system.governor.address, hybridGovernorAbi, 'updateTimelock', [outsider.account.address]))
      const { execution } = await passThenExecute(system, swap)
      await viem.assertions.revertWithCustomErrorWithArgs(execution, system.governor, 'HybridGovernorTimelockLocked', [
        (account: Address) => account.toLowerCase() === outsider.account.address.toLowerCase(),
      ])
      const relayed = encodeFunctionData({ abi: guardedTimelockAbi, functionName: 'cancel', args: [`0x${'0'.repeat(64)}`] })
      const relay = proposal('Relay to the timelock', action(system.governor.address, hybridGovernorAbi, 'relay', [system.timelock.address, 0n, relayed]))
      const second = await passThenExecute(system, relay)
      await viem.assertions.revertWithCustomError(second.execution, system.governor, 'HybridGovernorRelayToTimelock')
    })

    it('the AI bound has no setter: a proposal trying one fails, and flooding nodes through governance keeps the bound', async () => {
      const system = await t.loadSystem()
      const setter = proposal('Raise the AI share', {
        target: system.governor.address,
        value: 0n,
        calldata: encodeFunctionData({
          abi: [{ type: 'function', name: 'setAiShareMaxBps', stateMutability: 'nonpayable', inputs: [{ name: 'bps', type: 'uint256' }], outputs: [] }],
          functionName: 'setAiShareMaxBps',
          args: [10_000n],
        }),
      })
      const { execution } = await passThenExecute(system, setter)
      await viem.assertions.revertWithCustomError(execution, system.timelock, 'FailedCall')

      const flood = proposal(
        'Register eight nodes',
        ...Array.from({ length: 8 }, (_, index) =>
          action(system.nodeRegistry.address, nodeRegistryAbi, 'registerNode', [nodeIdOf(100 + index), t.nodeWallets[index]!.account.address]),
        ),
      )
      await t.passAndQueue(system, flood)
      await t.mined(t.execute(system, flood))
      assert.equal(await system.nodeRegistry.read.nodeCount(), 8n)
      assert.equal(await system.governor.read.AI_SHARE_MAX_BPS(), 2000n)

      const proposalId = await t.propose(system, mintProposal(system, 'After the flood'))
      await t.startVoting()
      await t.mined(system.governor.write.castVote([proposalId, Support.Against]))
      for (const node of t.nodeWallets.slice(0, 8)) {
        await t.mined(system.governor.write.castAdvisoryVote([proposalId, Support.For, ''], { account: node.account }))
      }
      const [against, forVotes] = await system.governor.read.proposalVotes([proposalId])
      assert.ok(forVotes * 10_000n <= (against + forVotes) * 2_000n, 'AI for votes stay within 20 % of the counted total')
      await t.endVoting()
      assert.equal(await system.governor.read.state([proposalId]), ProposalState.Defeated)
    })
  })
})
