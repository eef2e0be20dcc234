import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Automerge from '@automerge/automerge'
import { automergeBackend } from './automerge-backend.ts'

test('the low-level backend is the one @automerge/automerge uses, with every function the node calls', () => {
  for (const name of ['create', 'encodeChange', 'decodeChange', 'decodeSyncMessage', 'encodeSyncMessage', 'initSyncState', 'encodeSyncState', 'decodeSyncState'] as const)
    assert.equal(typeof automergeBackend[name], 'function', name)
  // A change made through the public API decodes and re-encodes identically through the backend.
  const doc = Automerge.change(Automerge.init<{ n?: number }>({ actor: 'ab'.repeat(16) }), { time: 0 }, (draft) => {
    draft.n = 1
  })
  const change = Automerge.getLastLocalChange(doc)!
  const decoded = automergeBackend.decodeChange(change)
  assert.equal(decoded.actor, 'ab'.repeat(16))
  assert.deepEqual(automergeBackend.encodeChange(decoded), change)
  const handle = automergeBackend.create({ actor: 'cd'.repeat(16) })
  handle.applyChanges([change])
  assert.deepEqual(handle.getHeads(), Automerge.getHeads(doc))
  handle.free()
})
