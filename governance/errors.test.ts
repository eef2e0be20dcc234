import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ContractFunctionExecutionError, ContractFunctionRevertedError, HttpRequestError, encodeErrorResult } from 'viem'
import { formatErrorForUser } from '../common/base-error.ts'
import { governanceErrorsAbi, hybridGovernorAbi, treasuryAbi } from './abi.ts'
import { ChainUnreachableError, ContractRefusedError, DeploymentNotFoundError, decodeRevertData, describeChainError, explainRevert } from './errors.ts'

const caller = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

/** A viem error as a failed `simulateContract` against `abi` throws it for revert `data`. */
function revertFrom(abi: typeof hybridGovernorAbi | typeof treasuryAbi, data: `0x${string}`, functionName: string) {
  const reverted = new ContractFunctionRevertedError({ abi, data, functionName })
  return new ContractFunctionExecutionError(reverted, { abi, functionName, args: [] })
}

describe('describeChainError', () => {
  it('explains a custom error of the called contract in words, never hex', () => {
    const data = encodeErrorResult({ abi: treasuryAbi, errorName: 'TreasuryUnauthorized', args: [caller] })
    const error = describeChainError(revertFrom(treasuryAbi, data, 'releaseEther'))
    assert.equal(error.name, 'ContractRefusedError')
    assert.ok(error instanceof ContractRefusedError)
    assert.equal(error.errorName, 'TreasuryUnauthorized')
    assert.equal(error.shortMessage, `Only an executed proposal (the timelock) can release treasury funds; ${caller} cannot.`)
    assert.doesNotMatch(formatErrorForUser(error).split('\n')[0]!, /0x[0-9a-f]{8,}\b(?!.*cannot)/)
  })

  it('decodes an error raised by another contract down the call (timelock under governor.execute)', () => {
    const data = encodeErrorResult({ abi: governanceErrorsAbi, errorName: 'GuardedTimelockDelayBelowFloor', args: [0n, 10n] })
    const error = describeChainError(revertFrom(hybridGovernorAbi, data, 'execute'))
    assert.equal(error.name, 'ContractRefusedError')
    assert.equal(error.shortMessage, 'A timelock delay of 0 s is below the floor of 10 s.')
  })

  it('names proposal states instead of numbers and bitmaps', () => {
    const data = encodeErrorResult({ abi: hybridGovernorAbi, errorName: 'GovernorUnexpectedProposalState', args: [7n, 1, `0x${'0'.repeat(62)}30`] })
    const error = describeChainError(revertFrom(hybridGovernorAbi, data, 'queue'))
    assert.equal(error.shortMessage, 'The proposal is Active; this needs it to be Succeeded or Queued.')
  })

  it('says when a contract refused without a reason', () => {
    const error = describeChainError(revertFrom(treasuryAbi, '0x', 'releaseEther'))
    assert.equal(error.name, 'ContractRefusedError')
    assert.equal(error.shortMessage, 'The contract refused the call without giving a reason.')
  })

  it('turns an unreachable RPC into ChainUnreachableError with a hint', () => {
    const error = describeChainError(new HttpRequestError({ url: 'http://127.0.0.1:9', body: {} }), { rpcUrl: 'http://127.0.0.1:9' })
    assert.ok(error instanceof ChainUnreachableError)
    assert.equal(error.name, 'ChainUnreachableError')
    assert.match(error.hints[0]!, /npm run chain/)
  })

  it('passes IPPOC errors through unchanged', () => {
    const original = new DeploymentNotFoundError({ path: 'x.json' })
    assert.equal(describeChainError(original), original)
  })
})

describe('explainRevert', () => {
  it('falls back to the error name and arguments for errors it has no words for', () => {
    const error = explainRevert({ errorName: 'SomethingNew', args: [1n, 'two'] })
    assert.equal(error.shortMessage, 'The contract refused the call: SomethingNew(1, two).')
  })

  it('covers every custom error of the IPPOC contracts', () => {
    const ours = governanceErrorsAbi.filter((item) => /^(HybridGovernor|GuardedTimelock|Treasury|NodeRegistry|EvolutionRegistry|LedgerAnchor)/.test(item.name))
    assert.ok(ours.length >= 30)
    for (const item of ours) {
      const message = explainRevert({ errorName: item.name, args: item.inputs.map(() => 0n) }).shortMessage
      assert.doesNotMatch(message, /^The contract refused the call:/, `${item.name} has no explanation`)
    }
  })
})

describe('decodeRevertData', () => {
  it('returns undefined for data no IPPOC contract raises', () => {
    assert.equal(decodeRevertData('0xdeadbeef'), undefined)
    assert.equal(decodeRevertData(undefined), undefined)
  })
})
