import { describe, expect, it } from 'vitest'
import type { OrderStatus, SagaState } from '../../src/lib/api'
import { attemptOf, newerSaga, sagaView, type SagaView } from '../../src/lib/saga'
import { merge, type Step } from '../../src/lib/timeline'

// A saga state typed by the generated contract (plus the retry fields the orders API adds).
function saga(over: Partial<SagaState> = {}): SagaState {
  return {
    order_id: 'o-1', customer_id: 'c', status: 'PENDING', step: 'reserve_stock', total_cents: 100, currency: 'USD',
    card: { brand: 'visa', last4: '4242' }, stock_reserved: false, charge_attempted: false, charged: false,
    compensations: [], finished: false, request_fingerprint: 'fp', ...over,
  }
}

const states = (v: SagaView) => v.nodes.map((n) => `${n.step}:${n.state}`)
const undo = (v: SagaView) => v.compensations.map((c) => `${c.step}:${c.state}`)

describe('saga diagram: forward steps', () => {
  it('before the saga has said anything, the first step runs and the others wait', () => {
    const v = sagaView({ statuses: ['PENDING'], saga: null })
    expect(states(v)).toEqual(['reserve_stock:running', 'charge_payment:waiting', 'confirm:waiting'])
    expect(v.nodes.map((n) => n.stateText)).toEqual(['Running', 'Waiting', 'Waiting'])
    expect(v.compensations).toEqual([])
    expect(v.finished).toBe(false)
    expect(v.summary).toBe('Now: reserve stock.')
  })

  it('while the order is being recorded nothing runs yet', () => {
    const v = sagaView({ statuses: [], saga: saga({ step: 'create_order' }) })
    expect(states(v)).toEqual(['reserve_stock:waiting', 'charge_payment:waiting', 'confirm:waiting'])
    expect(v.summary).toBe('Starting.')
  })

  it('reserved: reserve done, the charge runs', () => {
    const v = sagaView({ statuses: ['PENDING', 'RESERVED'], saga: saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true }) })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:running', 'confirm:waiting'])
  })

  it('shows the attempt number and the last failure while Temporal retries the step', () => {
    const s = saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true, attempt: 3, last_failure: 'the provider had a processing error' })
    const v = sagaView({ statuses: ['PENDING', 'RESERVED'], saga: s })
    const charge = v.nodes[1]
    expect(charge.state).toBe('running')
    expect(charge.attempt).toBe(3)
    expect(charge.stateText).toBe('Running, attempt 3')
    expect(charge.note).toBe('the provider had a processing error')
    expect(v.summary).toBe('Now: charge payment, attempt 3.')
    // The first attempt (attempt null or 1) is just "Running".
    expect(sagaView({ statuses: ['RESERVED'], saga: { ...s, attempt: 1 } }).nodes[1].stateText).toBe('Running')
    expect(sagaView({ statuses: ['RESERVED'], saga: { ...s, attempt: null } }).nodes[1].attempt).toBeNull()
  })

  it('an attempt of another step is not shown on the running node', () => {
    // The statuses are ahead of the saga: it said reserve (attempt 2) but RESERVED is known.
    const v = sagaView({ statuses: ['PENDING', 'RESERVED'], saga: saga({ step: 'reserve_stock', attempt: 2 }) })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:running', 'confirm:waiting'])
    expect(v.nodes[1].attempt).toBeNull()
  })

  it('confirmed: every step done, nothing undone', () => {
    const v = sagaView({
      statuses: ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'],
      saga: saga({ status: 'CONFIRMED', step: 'done', finished: true, stock_reserved: true, charge_attempted: true, charged: true }),
    })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:done', 'confirm:done'])
    expect(v.compensations).toEqual([])
    expect(v.nothingToRefund).toBe(false)
    expect(v.finished).toBe(true)
    expect(v.summary).toBe('All steps done: the order is confirmed.')
  })

  it('confirmed from the statuses alone (no saga answer)', () => {
    const v = sagaView({ statuses: ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'], saga: null })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:done', 'confirm:done'])
  })
})

describe('saga diagram: failures and compensations', () => {
  const declined = saga({
    status: 'CANCELLED', step: 'done', finished: true, stock_reserved: true, charge_attempted: true, charged: false,
    failure_reason: 'the card was declined', compensations: ['refund_payment', 'release_stock', 'cancel_order'],
  })

  it('a declined card: the charge failed with the reason; release and cancel ran; never a refund', () => {
    const v = sagaView({ statuses: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'], saga: declined })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:failed', 'confirm:skipped'])
    expect(v.nodes[1].note).toBe('the card was declined')
    expect(v.nodes.map((n) => n.stateText)).toEqual(['Done', 'Failed', 'Not run'])
    expect(v.stoppedBy).toBe('failure')
    expect(undo(v)).toEqual(['release_stock:done', 'cancel_order:done'])
    expect(v.compensations.map((c) => c.label)).toEqual(['Release stock', 'Cancel order'])
    expect(v.nothingToRefund).toBe(true)
    expect(v.summary).toBe('The order was undone and cancelled.')
  })

  it('out of stock: the reserve failed; the rest never ran', () => {
    const v = sagaView({
      statuses: ['PENDING', 'COMPENSATING', 'CANCELLED'],
      reason: 'not enough stock of ceramic-mug',
      saga: saga({ status: 'CANCELLED', step: 'done', finished: true, failure_reason: 'not enough stock of ceramic-mug', compensations: ['release_stock', 'cancel_order'] }),
    })
    expect(states(v)).toEqual(['reserve_stock:failed', 'charge_payment:skipped', 'confirm:skipped'])
    expect(v.nodes[0].note).toBe('not enough stock of ceramic-mug')
    expect(undo(v)).toEqual(['release_stock:done', 'cancel_order:done'])
  })

  it('while undoing: only what ran so far, and the one running now', () => {
    const partial = saga({ status: 'COMPENSATING', step: 'release_stock', stock_reserved: true, charge_attempted: true, charged: true, failure_reason: 'the order could not be confirmed', compensations: ['refund_payment'] })
    const v = sagaView({ statuses: ['PENDING', 'RESERVED', 'PAID', 'COMPENSATING'], saga: partial })
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:done', 'confirm:failed'])
    expect(undo(v)).toEqual(['refund_payment:done', 'release_stock:running'])
    expect(v.compensations[1].stateText).toBe('Running')
    expect(v.nothingToRefund).toBe(false)
    expect(v.summary).toBe('Undoing the order: release stock.')
  })

  it('a refund that ran for a card that was charged is shown', () => {
    const v = sagaView({
      statuses: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'],
      saga: saga({ status: 'CANCELLED', step: 'done', finished: true, stock_reserved: true, charge_attempted: true, charged: true, cancel_requested: 'changed my mind', failure_reason: 'cancelled by the shopper: changed my mind', compensations: ['refund_payment', 'release_stock', 'cancel_order'] }),
    })
    expect(undo(v)).toEqual(['refund_payment:done', 'release_stock:done', 'cancel_order:done'])
    expect(v.nothingToRefund).toBe(false)
  })

  it('a refund running for a card never charged is not shown either', () => {
    const v = sagaView({
      statuses: ['PENDING', 'RESERVED', 'COMPENSATING'],
      saga: saga({ status: 'COMPENSATING', step: 'refund_payment', stock_reserved: true, charge_attempted: true, failure_reason: 'the card was declined' }),
    })
    expect(undo(v)).toEqual([])
    expect(v.nothingToRefund).toBe(true)
  })

  it('without a saga answer a cancelled order shows release and cancel, no refund', () => {
    const v = sagaView({ statuses: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'], saga: null, reason: 'the card was declined' })
    expect(undo(v)).toEqual(['release_stock:done', 'cancel_order:done'])
    expect(v.nodes[1].state).toBe('failed')
  })

  it('a shopper cancellation: the steps not reached are "not run", not failed', () => {
    const v = sagaView({
      statuses: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'],
      reason: 'cancelled by the shopper: changed my mind',
      saga: saga({ status: 'CANCELLED', step: 'done', finished: true, stock_reserved: true, cancel_requested: 'changed my mind', failure_reason: 'cancelled by the shopper: changed my mind', compensations: ['release_stock', 'cancel_order'] }),
    })
    expect(v.stoppedBy).toBe('shopper')
    expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:skipped', 'confirm:skipped'])
    expect(v.cancelRequested).toBe(false)
    expect(undo(v)).toEqual(['release_stock:done', 'cancel_order:done'])
  })

  it('a requested cancellation is shown until it takes effect', () => {
    const v = sagaView({
      statuses: ['PENDING', 'RESERVED'],
      saga: saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true, cancel_requested: 'changed my mind', attempt: 2 }),
    })
    expect(v.cancelRequested).toBe(true)
    expect(v.nodes[1].stateText).toBe('Running, attempt 2')
    expect(v.summary).toBe('Now: charge payment, attempt 2.')
  })
})

describe('saga diagram: duplicate and out-of-order news', () => {
  it('the same messages in any order, twice, give the same diagram', () => {
    const s = saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true })
    const orders: OrderStatus[][] = [
      ['PENDING', 'RESERVED', 'PAID'],
      ['PAID', 'PENDING', 'RESERVED', 'PAID', 'PENDING'],
      ['RESERVED', 'PAID', 'RESERVED'],
    ]
    const views = orders.map((arrivals) => {
      let steps: Step[] = []
      for (const status of arrivals) steps = merge(steps, { status, at: '2026-01-01T00:00:00Z' })
      return sagaView({ statuses: steps.map((x) => x.status), saga: s })
    })
    for (const v of views) expect(states(v)).toEqual(['reserve_stock:done', 'charge_payment:done', 'confirm:running'])
  })

  it('an older saga answer arriving late does not move the diagram back', () => {
    const early = saga({ step: 'reserve_stock' })
    const retry2 = saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true, attempt: 2 })
    const retry3: SagaState = { ...retry2, attempt: 3 }
    const undoing = saga({ status: 'COMPENSATING', step: 'release_stock', stock_reserved: true, charge_attempted: true, failure_reason: 'x', compensations: ['refund_payment'] })
    const done = saga({ status: 'CANCELLED', step: 'done', finished: true, stock_reserved: true, charge_attempted: true, failure_reason: 'x', compensations: ['refund_payment', 'release_stock', 'cancel_order'] })
    let s: SagaState | null = null
    for (const next of [early, retry3, retry2, early, undoing, retry3, done, undoing]) s = newerSaga(s, next)
    expect(s).toBe(done)
    expect(newerSaga(retry2, retry3)).toBe(retry3)
    expect(newerSaga(retry3, retry2)).toBe(retry3)
    expect(attemptOf(retry3)).toBe(3)
    expect(attemptOf(early)).toBeNull()
  })

  it('an answer for another order is ignored', () => {
    const mine = saga({ order_id: 'o-1' })
    const other = saga({ order_id: 'o-2', step: 'done', finished: true })
    expect(newerSaga(mine, other, 'o-1')).toBe(mine)
    expect(newerSaga(null, other, 'o-1')).toBeNull()
    expect(newerSaga(mine, other)).toBe(other)
  })
})
