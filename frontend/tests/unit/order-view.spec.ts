import { describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import OrderView from '../../src/views/OrderView.vue'
import { setConfig } from '../../src/lib/config'
import type { CancelAccepted, Order, OrderStatus, SagaState } from '../../src/lib/api'

class FakeSocket {
  static last: FakeSocket | null = null
  onopen: (() => void) | null = null
  onmessage: ((ev: { data: string }) => void) | null = null
  onclose: (() => void) | null = null
  constructor(public url: string) {
    FakeSocket.last = this
    setTimeout(() => this.onopen?.(), 0)
  }
  close() {}
}

// Fixtures typed by the generated contract: a changed schema breaks the type check here too.
function order(status: OrderStatus, history: Order['history']): Order {
  return {
    id: 'o-1', customer_id: 'c', status, total_cents: 100, currency: 'USD', version: history.length,
    lines: [{ product_id: 'mug', quantity: 1, unit_price_cents: 100 }], history,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  }
}

function saga(status: OrderStatus, over: Partial<SagaState> = {}): SagaState {
  return {
    order_id: 'o-1', customer_id: 'c', status, step: 'reserve_stock', total_cents: 100, currency: 'USD',
    card: { brand: 'visa', last4: '4242' }, stock_reserved: false, charge_attempted: false, charged: false,
    compensations: [], finished: false, request_fingerprint: 'fp', ...over,
  }
}

function pushed(status: string, reason?: string, kind = 'order_status') {
  const n = {
    id: `n-${status}`, customer_id: 'c', order_id: 'o-1', kind, message: `Your order is ${status}`,
    data: { status, reason: reason ?? null }, created_at: '2026-01-01T00:00:01Z',
  }
  return { data: JSON.stringify({ type: 'notification', notification: n }) }
}

async function mountOrder(fetchMock: ReturnType<typeof vi.fn>) {
  setActivePinia(createPinia())
  setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
  sessionStorage.setItem(
    'sagaway.session',
    JSON.stringify({ token: 't', expiresAt: Math.floor(Date.now() / 1000) + 900, customer: { id: 'c', email: 'e', name: 'n', roles: [] } }),
  )
  vi.stubGlobal('WebSocket', FakeSocket)
  vi.stubGlobal('fetch', fetchMock)
  const { useAuth } = await import('../../src/stores/auth')
  useAuth().restore()
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/orders/:id', component: OrderView }] })
  router.push('/orders/o-1')
  await router.isReady()
  const w = mount(OrderView, { global: { plugins: [router] } })
  await flushPromises()
  await new Promise((r) => setTimeout(r, 5))
  return w
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('OrderView', () => {
  it('shows the timeline from the API, then live messages in saga order without duplicates', async () => {
    const w = await mountOrder(
      vi.fn(async (url: string) => {
        if (String(url).endsWith('/saga')) return json(saga('PENDING'))
        return json(order('PENDING', [{ status: 'PENDING', at: '2026-01-01T00:00:00Z' }]))
      }),
    )
    expect(w.find('[data-testid="step"]').text()).toBe('Now: Reserving the items…')
    expect(w.find('[data-testid="card"]').text()).toContain('visa ending in 4242')
    expect(w.text()).toContain('Cancel order')
    FakeSocket.last?.onmessage?.(pushed('PAID'))
    FakeSocket.last?.onmessage?.(pushed('RESERVED'))
    FakeSocket.last?.onmessage?.(pushed('RESERVED'))
    // Not an order status notification, or a status this app does not know: ignored.
    FakeSocket.last?.onmessage?.(pushed('CANCELLED', 'x', 'marketing'))
    FakeSocket.last?.onmessage?.(pushed('SHIPPED'))
    await flushPromises()
    const items = w.findAll('[data-testid="timeline"] li').map((li) => li.attributes('data-status'))
    expect(items).toEqual(['PENDING', 'RESERVED', 'PAID'])
    expect(w.findAll('[data-testid="timeline"] li strong').map((s) => s.text())).toEqual(['Order received', 'Items reserved', 'Payment taken'])
    expect(w.find('[data-testid="status"]').text()).toBe('PAID')
    expect(w.text()).not.toContain('Cancel order')
    w.unmount()
  })

  it('cancels: shows the reason and what the saga undid', async () => {
    let cancelled = false
    const history: Order['history'] = [
      { status: 'PENDING', at: '2026-01-01T00:00:00Z' },
      { status: 'RESERVED', at: '2026-01-01T00:00:01Z' },
    ]
    const done: Order['history'] = [
      ...history,
      { status: 'COMPENSATING', at: '2026-01-01T00:00:02Z', reason: 'changed my mind' },
      { status: 'CANCELLED', at: '2026-01-01T00:00:03Z', reason: 'changed my mind' },
    ]
    const undone = saga('CANCELLED', { step: 'done', finished: true, compensations: ['release_stock', 'cancel_order'] })
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (String(url).endsWith('/cancel')) {
        cancelled = true
        const reply: CancelAccepted = { order_id: 'o-1', saga: undone }
        return json(reply, 202)
      }
      if (String(url).endsWith('/saga')) return json(cancelled ? undone : saga('RESERVED'))
      expect(init?.method).toBe('GET')
      return json(cancelled ? order('CANCELLED', done) : order('RESERVED', history))
    })
    const w = await mountOrder(fetchMock)
    await w.find('button').trigger('click')
    await flushPromises()
    const cancel = fetchMock.mock.calls.find(([url]) => String(url).endsWith('/cancel'))
    expect(JSON.parse(String(cancel?.[1]?.body))).toEqual({ reason: 'changed my mind' })
    expect(w.find('[data-testid="status"]').text()).toBe('CANCELLED')
    expect(w.find('[data-testid="reason"]').text()).toBe('Why: changed my mind')
    expect(w.text()).toMatch(/Undone: release stock, cancel order/)
    expect(w.find('[data-testid="step"]').exists()).toBe(false)
    w.unmount()
  })

  it('a cancel that comes too late says so', async () => {
    const w = await mountOrder(
      vi.fn(async (url: string) => {
        if (String(url).endsWith('/cancel')) {
          return new Response(
            JSON.stringify({ type: 'urn:sagaway:problem:not_cancellable', title: 'Conflict', status: 409, code: 'not_cancellable', detail: 'the order is PAID', order_status: 'PAID' }),
            { status: 409, headers: { 'content-type': 'application/problem+json' } },
          )
        }
        if (String(url).endsWith('/saga')) return json(saga('PENDING'))
        return json(order('PENDING', [{ status: 'PENDING', at: '2026-01-01T00:00:00Z' }]))
      }),
    )
    await w.find('button').trigger('click')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe('This order can no longer be cancelled.')
    w.unmount()
  })
})

