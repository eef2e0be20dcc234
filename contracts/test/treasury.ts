/**
 * Treasury: funds leave only through an executed proposal; every other path is rejected.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeErrorResult, getContract, keccak256, parseAbi, parseEther, toBytes, type Address } from 'viem'
import { hybridGovernorAbi, treasuryAbi } from '../../governance/abi.ts'
import { ProposalState, action, connectToTestNetwork, proposal, settings } from '../test-support/system.ts'

/** The test double in contracts/test/mocks/ReentrantReceiver.sol. */
const reentrantReceiverAbi = parseAbi([
  'function arm(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash)',
  'function paymentCount() view returns (uint256)',
  'function receivedWei() view returns (uint256)',
  'function treasuryReentryError() view returns (bytes)',
  'function governorReentryError() view returns (bytes)',
])

describe('Treasury', async () => {
  const t = await connectToTestNetwork()
  const { viem, deployer, human, outsider, guardian } = t
  const deposit = parseEther('10')

  async function fundedSystem() {
    const system = await t.loadSystem()
    await t.mined(deployer.sendTransaction({ to: system.treasury.address, value: deposit }))
    return system
  }

  const sameAddress = (expected: Address) => (actual: Address) => actual.toLowerCase() === expected.toLowerCase()

  it('accepts plain ETH deposits from anyone and holds the iUSD supply', async () => {
    const system = await t.loadSystem()
    await viem.assertions.emitWithArgs(
      outsider.sendTransaction({ to: system.treasury.address, value: 5n }),
      system.treasury,
      'EtherDeposited',
      [sameAddress(outsider.account.address), 5n],
    )
    assert.equal(await system.treasury.read.etherBalance(), 5n)
    assert.equal(await system.treasury.read.iusdBalance(), settings.iusdSupply)
  })

  it('releases ETH through an executed proposal', async () => {
    const system = await fundedSystem()
    const item = proposal('Pay a human 1 ETH', action(system.treasury.address, treasuryAbi, 'releaseEther', [human.account.address, parseEther('1')]))
    await t.passAndQueue(system, item)
    await viem.assertions.balancesHaveChanged(t.execute(system, item), [
      { address: human.account.address, amount: parseEther('1') },
      { address: system.treasury.address, amount: -parseEther('1') },
    ])
    assert.equal(await system.treasury.read.etherBalance(), deposit - parseEther('1'))
  })

  it('releases iUSD through an executed proposal', async () => {
    const system = await fundedSystem()
    const amount = parseEther('250')
    const item = proposal('Pay a human 250 iUSD', action(system.treasury.address, treasuryAbi, 'releaseToken', [system.iusd.address, human.account.address, amount]))
    await t.passAndQueue(system, item)
    await viem.assertions.emitWithArgs(t.execute(system, item), system.treasury, 'TokenReleased', [
      sameAddress(system.iusd.address),
      sameAddress(human.account.address),
      amount,
    ])
    assert.equal(await system.iusd.read.balanceOf([human.account.address]), amount)
    assert.equal(await system.treasury.read.iusdBalance(), settings.iusdSupply - amount)
  })

  it('rejects direct release calls from everyone but the timelock, guardian and deployer included', async () => {
    const system = await fundedSystem()
    for (const caller of [deployer, guardian, outsider]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.treasury.write.releaseEther([caller.account.address, 1n], { account: caller.account }),
        system.treasury,
        'TreasuryUnauthorized',
        [sameAddress(caller.account.address)],
      )
      await viem.assertions.revertWithCustomErrorWithArgs(
        system.treasury.write.releaseToken([system.iusd.address, caller.account.address, 1n], { account: caller.account }),
        system.treasury,
        'TreasuryUnauthorized',
        [sameAddress(caller.account.address)],
      )
    }
    assert.equal(await system.treasury.read.etherBalance(), deposit)
  })

  it('rejects unknown calls and ETH sent with data', async () => {
    const system = await fundedSystem()
    await viem.assertions.revertWithCustomErrorWithArgs(
      outsider.sendTransaction({ to: system.treasury.address, data: '0x12345678', value: 1n }),
      system.treasury,
      'TreasuryUnsupportedCall',
      ['0x12345678'],
    )
  })

  it('a proposal releasing more than the balance, or to the zero address, fails', async () => {
    const system = await fundedSystem()
    const tooMuch = proposal('Pay too much', action(system.treasury.address, treasuryAbi, 'releaseEther', [human.account.address, deposit + 1n]))
    await t.passAndQueue(system, tooMuch)
    await viem.assertions.revertWithCustomErrorWithArgs(t.execute(system, tooMuch), system.treasury, 'TreasuryInsufficientEther', [deposit + 1n, deposit])
    const toNobody = proposal('Pay nobody', action(system.treasury.address, treasuryAbi, 'releaseEther', ['0x0000000000000000000000000000000000000000', 1n]))
    await t.passAndQueue(system, toNobody)
    await viem.assertions.revertWithCustomError(t.execute(system, toNobody), system.treasury, 'TreasuryZeroRecipient')
  })

  it('a recipient that refuses ETH makes the release fail as a whole', async () => {
    const system = await fundedSystem()
    const refuser = await viem.deployContract('RejectingReceiver')
    const item = proposal('Pay a refuser', action(system.treasury.address, treasuryAbi, 'releaseEther', [refuser.address, 1n]))
    await t.passAndQueue(system, item)
    await viem.assertions.revertWithCustomErrorWithArgs(t.execute(system, item), system.treasury, 'TreasuryEtherTransferFailed', [sameAddress(refuser.address), 1n])
    assert.equal(await system.treasury.read.etherBalance(), deposit)
  })

  it('a malicious recipient cannot re-enter to be paid twice', async () => {
    const system = await fundedSystem()
    const deployed = await viem.deployContract('ReentrantReceiver', [system.treasury.address, system.governor.address])
    const attacker = getContract({ address: deployed.address, abi: reentrantReceiverAbi, client: { public: t.publicClient, wallet: deployer } })
    const payment = parseEther('1')
    const item = proposal('Pay the attacker once', action(system.treasury.address, treasuryAbi, 'releaseEther', [attacker.address, payment]))
    const descriptionHash = keccak256(toBytes(item.description))
    await t.mined(attacker.write.arm([item.targets, item.values, item.calldatas, descriptionHash]))
    const proposalId = await t.passAndQueue(system, item)
    await t.mined(t.execute(system, item))

    assert.equal(await attacker.read.paymentCount(), 1n)
    assert.equal(await attacker.read.receivedWei(), payment)
    assert.equal(await system.treasury.read.etherBalance(), deposit - payment)
    assert.equal(await system.governor.read.state([proposalId]), ProposalState.Executed)

    const treasuryError = decodeErrorResult({ abi: treasuryAbi, data: await attacker.read.treasuryReentryError() })
    assert.equal(treasuryError.errorName, 'TreasuryUnauthorized')
    assert.deepEqual(treasuryError.args.map((value) => String(value).toLowerCase()), [attacker.address.toLowerCase()])
    const governorError = decodeErrorResult({ abi: hybridGovernorAbi, data: await attacker.read.governorReentryError() })
    assert.equal(governorError.errorName, 'GovernorUnexpectedProposalState')
    assert.equal(governorError.args[0], proposalId)
    assert.equal(governorError.args[1], ProposalState.Executed)
  })
})
