import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import SagaDiagram from '../../src/components/SagaDiagram.vue'
import type { SagaState } from '../../src/lib/api'

function saga(over: Partial<SagaState> = {}): SagaState {
  return {
    order_id: 'o-1', customer_id: 'c', status: 'PENDING', step: 'reserve_stock', total_cents: 100, currency: 'USD',
    card: { brand: 'visa', last4: '4242' }, stock_reserved: false, charge_attempted: false, charged: false,
    compensations: [], finished: false, request_fingerprint: 'fp', ...over,
  }
}

const nodes = (w: ReturnType<typeof mount>) =>
  w.findAll('[data-testid="saga-steps"] li').map((li) => [li.attributes('data-step'), li.attributes('data-state'), li.find('.saga-state').text()])

describe('SagaDiagram', () => {
  it('is a list of steps, each with its state in words, and an announced summary', async () => {
    const w = mount(SagaDiagram, { props: { statuses: ['PENDING'], saga: saga() } })
    expect(w.find('ol[data-testid="saga-steps"]').exists()).toBe(true)
    expect(nodes(w)).toEqual([
      ['reserve_stock', 'running', 'Running'],
      ['charge_payment', 'waiting', 'Waiting'],
      ['confirm', 'waiting', 'Waiting'],
    ])
    expect(w.findAll('li').map((li) => li.find('.saga-label').text())).toEqual(['Reserve stock', 'Charge payment', 'Confirm order'])
    const summary = w.find('[data-testid="saga-summary"]')
    expect(summary.attributes('aria-live')).toBe('polite')
    expect(summary.text()).toBe('Now: reserve stock.')
    // Icons are decoration: the state is in the text.
    for (const icon of w.findAll('.saga-icon')) expect(icon.attributes('aria-hidden')).toBe('true')

    // A retry of the charge, then a requested cancellation: the diagram follows its props.
    await w.setProps({
      statuses: ['PENDING', 'RESERVED'],
      saga: saga({ status: 'RESERVED', step: 'charge_payment', stock_reserved: true, charge_attempted: true, attempt: 2, last_failure: 'processing error', cancel_requested: 'changed my mind' }),
    })
    expect(nodes(w)[1]).toEqual(['charge_payment', 'running', 'Running, attempt 2'])
    expect(w.find('[data-step="charge_payment"] .saga-note').text()).toBe('processing error')
    expect(w.find('[data-testid="cancel-requested"]').exists()).toBe(true)
    expect(w.find('[data-testid="compensations"]').exists()).toBe(false)
  })

  it('a declined card: charge failed, the compensations that ran, nothing to refund', () => {
    const w = mount(SagaDiagram, {
      props: {
        statuses: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'],
        saga: saga({ status: 'CANCELLED', step: 'done', finished: true, stock_reserved: true, charge_attempted: true, failure_reason: 'the card was declined', compensations: ['refund_payment', 'release_stock', 'cancel_order'] }),
      },
    })
    expect(nodes(w)).toEqual([
      ['reserve_stock', 'done', 'Done'],
      ['charge_payment', 'failed', 'Failed'],
      ['confirm', 'skipped', 'Not run'],
    ])
    expect(w.find('[data-step="charge_payment"] .saga-note').text()).toBe('the card was declined')
    expect(w.findAll('[data-testid="compensations"] li').map((li) => li.find('.saga-label').text())).toEqual(['Release stock', 'Cancel order'])
    expect(w.text()).not.toMatch(/refund payment/i)
    expect(w.find('[data-testid="no-refund"]').text()).toBe('Nothing to refund: the card was never charged.')
  })

  it('a charged order undone shows its refund', () => {
    const w = mount(SagaDiagram, {
      props: {
        statuses: ['PENDING', 'RESERVED', 'COMPENSATING'],
        saga: saga({ status: 'COMPENSATING', step: 'release_stock', stock_reserved: true, charge_attempted: true, charged: true, cancel_requested: 'x', failure_reason: 'cancelled by the shopper: x', compensations: ['refund_payment'] }),
      },
    })
    expect(w.findAll('[data-testid="compensations"] li').map((li) => [li.attributes('data-step'), li.attributes('data-state')])).toEqual([
      ['refund_payment', 'done'],
      ['release_stock', 'running'],
    ])
    expect(w.find('[data-testid="no-refund"]').exists()).toBe(false)
    expect(w.find('[data-testid="saga-summary"]').text()).toBe('Undoing the order: release stock.')
  })
})
