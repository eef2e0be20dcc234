import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ContractFunctionExecutionError, ContractFunctionRevertedError, HttpRequestError, UserRejectedRequestError, encodeErrorResult, encodeFunctionData, parseEther } from 'viem'
import { hybridGovernorAbi, treasuryAbi } from '../governance/abi.ts'
import { describeProposalAction } from './chain/describe-action.ts'
import { dashboardContractNames, parseDashboardConfig } from './config.ts'
import { errorToWords } from './error-words.ts'
import { compareStateRoots, readNodeSnapshot } from './swarm/read-swarm.ts'
import { base64UrlToBytes, verifyEntryJson } from './swarm/verify-entry.ts'
import { fixtureNodeData, startFixtureNode, vectorEntries } from './test-support/fixture-node.ts'
import { createEd25519Signer } from '../identity/ed25519.ts'
import { devnetLedger, fund } from '../ledger/testing.ts'

const voter = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const contracts = Object.fromEntries(dashboardContractNames.map((name, index) => [name, `0x${(index + 1).toString(16).padStart(40, '0')}`])) as Record<(typeof dashboardContractNames)[number], `0x${string}`>

function revert(data: `0x${string}`, functionName: string) {
  return new ContractFunctionExecutionError(new ContractFunctionRevertedError({ abi: hybridGovernorAbi, data, functionName }), { abi: hybridGovernorAbi, functionName, args: [] })
}

describe('parseDashboardConfig', () => {
  const valid = { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', contracts, nodes: ['http://127.0.0.1:7001/'] }

  it('fills defaults, checksums addresses and trims node URLs', () => {
    const config = parseDashboardConfig(valid, 'test')
    assert.equal(config.deployedAt, 0)
    assert.deepEqual(config.nodes, ['http://127.0.0.1:7001'])
    assert.deepEqual(config.evolutionReports, {})
  })

  it('refuses each malformed field, naming it', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...valid, chainId: 0 }, /`chainId`/],
      [{ ...valid, rpcUrl: 'ws://x' }, /`rpcUrl`/],
      [{ ...valid, contracts: { ...contracts, treasury: '0x12' } }, /`contracts\.treasury`/],
      [{ ...valid, nodes: ['ftp://x'] }, /`nodes\[0\]`/],
      [{ ...valid, nodes: Array.from({ length: 33 }, () => 'http://x') }, /at most 32/],
      [{ ...valid, evolutionReports: { abc: {} } }, /decimal evolution ids/],
    ]
    for (const [value, message] of cases) {
      assert.throws(() => parseDashboardConfig(value, 'test'), (error: Error) => error.name === 'DashboardConfigInvalidError' && message.test(error.message))
    }
    assert.throws(() => parseDashboardConfig([], 'test'), { name: 'DashboardConfigInvalidError' })
  })
})

describe('errorToWords', () => {
  it('explains Governor errors in a sentence, with the error name', () => {
    const twice = errorToWords(revert(encodeErrorResult({ abi: hybridGovernorAbi, errorName: 'GovernorAlreadyCastVote', args: [voter] }), 'castVote'))
    assert.deepEqual(twice, { message: `${voter} has already voted on this proposal (one vote per account, human or AI).`, errorName: 'GovernorAlreadyCastVote' })
    const early = errorToWords(revert(encodeErrorResult({ abi: hybridGovernorAbi, errorName: 'GovernorUnexpectedProposalState', args: [1n, 0, `0x${'0'.repeat(63)}2`] }), 'castVote'))
    assert.equal(early.message, 'The proposal is Pending; this needs it to be Active.')
  })

  it('says when the user rejected the wallet request or the chain is unreachable', () => {
    assert.equal(errorToWords(new UserRejectedRequestError(new Error('no'))).message, 'You rejected the request in your wallet.')
    assert.equal(errorToWords(new HttpRequestError({ url: 'http://127.0.0.1:9', body: {} }), 'http://127.0.0.1:9').message, 'Cannot reach the chain at http://127.0.0.1:9.')
  })
})

describe('describeProposalAction', () => {
  it('decodes calls to known contracts and shows others raw', () => {
    const calldata = encodeFunctionData({ abi: treasuryAbi, functionName: 'releaseEther', args: [voter, parseEther('2')] })
    assert.equal(describeProposalAction(contracts, contracts.treasury, 0n, calldata), `treasury.releaseEther(${voter}, 2000000000000000000)`)
    assert.equal(describeProposalAction(contracts, voter, parseEther('1'), '0x'), `${voter} call (no data) sending 1 ETH`)
  })
})

describe('verifyEntryJson', () => {
  it('accepts the fixed ledger vectors and an entry built by the ledger', () => {
    for (const entry of vectorEntries()) assert.deepEqual(verifyEntryJson(entry), { valid: true })
    const signer = createEd25519Signer(new Uint8Array(32).fill(7))
    const built = fund(devnetLedger(), signer, 5_000_000n)
    const row = { id: built.idHex, author: built.authorHex, seq: built.body.seq, timestamp: 0, action: 'mint', standing: 'applied', legs: [], raw: Buffer.from(built.raw).toString('base64url'), sig: Buffer.from(built.sig).toString('base64url') }
    assert.deepEqual(verifyEntryJson(row), { valid: true })
    const tamperedRaw = Buffer.from(built.raw)
    tamperedRaw[tamperedRaw.length - 1]! ^= 1
    assert.equal(verifyEntryJson({ ...row, raw: tamperedRaw.toString('base64url') }).valid, false)
  })

  it('rejects a flipped signature bit, a wrong id, a wrong author and garbage, saying why', () => {
    const [, tampered] = vectorEntries(1).reverse()
    assert.deepEqual(verifyEntryJson(tampered!), { valid: false, reason: "the signature is not the author's" })
    const [good] = vectorEntries()
    assert.deepEqual(verifyEntryJson({ ...good!, id: '00'.repeat(32) }), { valid: false, reason: 'the id is not SHA-256 of the bytes' })
    assert.deepEqual(verifyEntryJson({ ...good!, author: '11'.repeat(32) }), { valid: false, reason: 'the author shown is not the author signed' })
    assert.deepEqual(verifyEntryJson({ ...good!, raw: '!!' }), { valid: false, reason: 'raw or sig is not base64url' })
    assert.match((verifyEntryJson({ ...good!, raw: 'AAAA' }) as { reason: string }).reason, /not a canonical entry/)
  })

  it('decodes base64url', () => {
    assert.deepEqual(base64UrlToBytes('AQI'), new Uint8Array([1, 2]))
    assert.deepEqual(base64UrlToBytes('-_8'), new Uint8Array([0xfb, 0xff]))
  })
})

describe('swarm view', () => {
  it('reads a node API, verifies its entries and compares state roots', async () => {
    const node = await startFixtureNode(fixtureNodeData({ nodeId: 'aa'.repeat(32), stateRoot: '11'.repeat(32), tamperSeq: 0 }))
    try {
      const snapshot = await readNodeSnapshot(node.url, node.url)
      assert.ok(snapshot.ok)
      assert.deepEqual(snapshot.entries.map((entry) => entry.verdict.valid), [true, true, false])
      const down = await readNodeSnapshot('http://127.0.0.1:9', 'http://127.0.0.1:9')
      assert.equal(down.ok, false)
      assert.equal(compareStateRoots([snapshot, down]).agreed, true)
      const other = { ...snapshot, status: { ...snapshot.status, nodeId: 'bb'.repeat(32), stateRoot: '22'.repeat(32) } }
      const { agreed, roots } = compareStateRoots([snapshot, other])
      assert.equal(agreed, false)
      assert.equal(roots.size, 2)
    } finally {
      await node.close()
    }
  })
})
