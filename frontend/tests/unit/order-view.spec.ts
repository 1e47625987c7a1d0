import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { RouterView, createRouter, createMemoryHistory, type Router } from 'vue-router'
import OrderView from '../../src/views/OrderView.vue'
import { setConfig } from '../../src/lib/config'
import { clearProducts } from '../../src/lib/products-cache'
import { dateTime } from '../../src/lib/datetime'
import type { CancelAccepted, Order, OrderStatus, Product, SagaState } from '../../src/lib/api'

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

const ID = 'o-09a4810a4d8b4c2e'

// Fixtures typed by the generated contract: a changed schema breaks the type check here too.
function order(status: OrderStatus, history: Order['history'], over: Partial<Order> = {}): Order {
  return {
    id: ID, customer_id: 'c', status, total_cents: 3600, currency: 'USD', version: history.length,
    lines: [{ product_id: 'mug', quantity: 2, unit_price_cents: 1800 }], history,
    created_at: '2026-11-28T10:00:00Z', updated_at: '2026-11-28T10:00:00Z', ...over,
  }
}

function saga(status: OrderStatus, over: Partial<SagaState> = {}): SagaState {
  return {
    order_id: ID, customer_id: 'c', status, step: 'reserve_stock', total_cents: 3600, currency: 'USD',
    card: { brand: 'visa', last4: '4242' }, stock_reserved: false, charge_attempted: false, charged: false,
    compensations: [], finished: false, request_fingerprint: 'fp', ...over,
  }
}

function mug(id = 'mug', name = 'Ceramic mug'): Product {
  return { id, name, description: 'A mug', price_cents: 1800, currency: 'USD', stock: 5 } as Product
}

function pushed(status: string, orderId = ID, reason?: string, kind = 'order_status') {
  const n = {
    id: `n-${status}`, customer_id: 'c', order_id: orderId, kind, message: `Your order is ${status}`,
    data: { status, reason: reason ?? null }, created_at: '2026-11-28T10:00:01Z',
  }
  return { data: JSON.stringify({ type: 'notification', notification: n }) }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ type: `urn:sagaway:problem:${code}`, title: 'x', status, code, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })

type Fetch = (url: string, init?: RequestInit) => Promise<Response>

let wrapper: VueWrapper | null = null

async function mountAt(path: string, fetchMock: Fetch): Promise<{ w: VueWrapper; router: Router }> {
  setActivePinia(createPinia())
  clearProducts()
  setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
  sessionStorage.setItem(
    'sagaway.session',
    JSON.stringify({ token: 't', expiresAt: Math.floor(Date.now() / 1000) + 900, customer: { id: 'c', email: 'e', name: 'n', roles: [] } }),
  )
  vi.stubGlobal('WebSocket', FakeSocket)
  vi.stubGlobal('fetch', vi.fn(fetchMock))
  const { useAuth } = await import('../../src/stores/auth')
  useAuth().restore()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/orders', component: defineComponent({ render: () => h('p', 'the orders list') }) },
      { path: '/orders/:id', component: OrderView },
    ],
  })
  router.push(path)
  await router.isReady()
  // The app's shell: a RouterView, so going to another order reuses the same OrderView.
  const w = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } })
  wrapper = w
  await settle()
  return { w, router }
}

async function settle() {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 5))
  await flushPromises()
}

afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  vi.unstubAllGlobals()
})

const path = (url: string) => new URL(url).pathname

describe('OrderView', () => {
  it('shows the short number, product names, human statuses, localized dates; live messages in saga order', async () => {
    const { w } = await mountAt(`/orders/${ID}`, async (url) => {
      const p = path(url)
      if (p.endsWith('/saga')) return json(saga('PENDING'))
      if (p === '/v1/products/mug') return json(mug())
      return json(order('PENDING', [{ status: 'PENDING', at: '2026-11-28T10:00:00Z' }]))
    })
    expect(w.find('h1').text()).toBe('Order #09A4810A')
    expect(w.find('[data-testid="order-id"]').text()).toBe(ID)
    expect(w.find('[data-testid="lines"] li').text()).toContain('Ceramic mug')
    expect(w.find('[data-testid="lines"] li').text()).toContain('2 × $18.00')
    expect(w.find('[data-testid="lines"] li').text()).toContain('$36.00')
    expect(w.find('[data-testid="total"]').text()).toBe('$36.00')
    expect(w.find('[data-testid="placed"]').text()).toBe(dateTime('2026-11-28T10:00:00Z'))
    expect(w.find('[data-testid="status"]').text()).toBe('Order received')
    expect(w.find('[data-testid="status-detail"]').text()).toBe('We have your order and are reserving the items.')
    expect(w.find('[data-testid="card"]').text()).toContain('Visa ending in 4242')
    expect(w.find('[data-step="reserve_stock"]').attributes('data-state')).toBe('running')
    expect(w.text()).toContain('Cancel order')

    FakeSocket.last?.onmessage?.(pushed('PAID'))
    FakeSocket.last?.onmessage?.(pushed('RESERVED'))
    FakeSocket.last?.onmessage?.(pushed('RESERVED'))
    // Not an order status notification, another order's, or a status this app does not know: ignored.
    FakeSocket.last?.onmessage?.(pushed('CANCELLED', ID, 'x', 'marketing'))
    FakeSocket.last?.onmessage?.(pushed('CANCELLED', 'o-someoneelse'))
    FakeSocket.last?.onmessage?.(pushed('SHIPPED'))
    await flushPromises()
    const items = w.findAll('[data-testid="timeline"] li').map((li) => li.attributes('data-status'))
    expect(items).toEqual(['PENDING', 'RESERVED', 'PAID'])
    expect(w.findAll('[data-testid="timeline"] li strong').map((s) => s.text())).toEqual(['Order received', 'Items reserved', 'Payment taken'])
    expect(w.find('[data-testid="status"]').attributes('data-status')).toBe('PAID')
    expect(w.find('[data-step="charge_payment"]').attributes('data-state')).toBe('done')
    expect(w.find('[data-step="confirm"]').attributes('data-state')).toBe('running')
    expect(w.text()).not.toContain('Cancel order')
  })

  it('shows where the order ships to, when it has an address', async () => {
    const shipped = order('CONFIRMED', [{ status: 'CONFIRMED', at: '2026-11-28T10:00:00Z' }], {
      shipping_address: { line1: 'Unter den Linden 1', line2: 'Hinterhaus', city: 'Berlin', postal_code: '10117', country: 'DE' },
    })
    const { w } = await mountAt(`/orders/${ID}`, async (url) => {
      const p = path(url)
      if (p.endsWith('/saga')) return json(saga('CONFIRMED', { step: 'done', finished: true }))
      if (p.startsWith('/v1/products/')) return json(mug())
      return json(shipped)
    })
    const address = w.find('[data-testid="shipping"]').text()
    expect(address).toContain('Unter den Linden 1')
    expect(address).toContain('Hinterhaus')
    expect(address).toContain('10117 Berlin')
    expect(address).toContain(new Intl.DisplayNames(undefined, { type: 'region' }).of('DE'))
  })

  it('no shipping block for an order placed without an address', async () => {
    const { w } = await mountAt(`/orders/${ID}`, async (url) => {
      const p = path(url)
      if (p.endsWith('/saga')) return json(saga('CONFIRMED', { step: 'done', finished: true }))
      if (p.startsWith('/v1/products/')) return json(mug())
      return json(order('CONFIRMED', [{ status: 'CONFIRMED', at: '2026-11-28T10:00:00Z' }], { shipping_address: null }))
    })
    expect(w.find('[data-testid="placed"]').exists()).toBe(true)
    expect(w.find('[data-testid="shipping"]').exists()).toBe(false)
  })

  it('names a product that is gone by its id', async () => {
    const { w } = await mountAt(`/orders/${ID}`, async (url) => {
      const p = path(url)
      if (p.endsWith('/saga')) return json(saga('CONFIRMED', { step: 'done', finished: true }))
      if (p === '/v1/products/mug') return problem(404, 'product_not_found', 'product mug does not exist')
      return json(order('CONFIRMED', [{ status: 'CONFIRMED', at: '2026-11-28T10:00:00Z' }]))
    })
    expect(w.find('[data-testid="lines"] .line-name').text()).toBe('mug')
  })

  it('cancel asks to confirm, then shows "Cancelling…" (disabled) until the order is cancelled', async () => {
    let cancelled = false
    let done = false
    const history: Order['history'] = [
      { status: 'PENDING', at: '2026-11-28T10:00:00Z' },
      { status: 'RESERVED', at: '2026-11-28T10:00:01Z' },
    ]
    const running = saga('RESERVED', { step: 'charge_payment', stock_reserved: true, charge_attempted: true })
    const fetchMock = vi.fn<Fetch>(async (url, init) => {
      const p = path(url)
      if (p.endsWith('/cancel')) {
        cancelled = true
        const reply: CancelAccepted = { order_id: ID, saga: { ...running, cancel_requested: 'changed my mind' } }
        return json(reply, 202)
      }
      if (p.endsWith('/saga')) {
        if (done) return json(saga('CANCELLED', { step: 'done', finished: true, stock_reserved: true, cancel_requested: 'changed my mind', failure_reason: 'cancelled by the shopper: changed my mind', compensations: ['release_stock', 'cancel_order'] }))
        return json(cancelled ? { ...running, cancel_requested: 'changed my mind' } : running)
      }
      if (p.startsWith('/v1/products/')) return json(mug())
      expect(init?.method).toBe('GET')
      if (done) {
        return json(order('CANCELLED', [
          ...history,
          { status: 'COMPENSATING', at: '2026-11-28T10:00:02Z', reason: 'cancelled by the shopper: changed my mind' },
          { status: 'CANCELLED', at: '2026-11-28T10:00:03Z', reason: 'cancelled by the shopper: changed my mind' },
        ]))
      }
      return json(order('RESERVED', history))
    })
    const { w } = await mountAt(`/orders/${ID}`, fetchMock)

    await w.find('button.secondary').trigger('click')
    await flushPromises()
    // Asked first: nothing is sent yet.
    const confirm = w.find('[data-testid="cancel-confirm"]')
    expect(confirm.text()).toContain('Cancel order #09A4810A?')
    expect(document.activeElement === confirm.element || !document.body.contains(confirm.element)).toBe(true)
    expect(fetchMock.mock.calls.some(([u]) => u.endsWith('/cancel'))).toBe(false)

    await w.findAll('button').find((b) => b.text() === 'Yes, cancel the order')!.trigger('click')
    await settle()
    const call = fetchMock.mock.calls.find(([u]) => u.endsWith('/cancel'))
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ reason: 'changed my mind' })
    // The saga accepted it but has not answered yet: still cancelling, never nothing on screen.
    const busy = w.find('[data-testid="cancelling"]')
    expect(busy.text()).toBe('Cancelling…')
    expect(busy.attributes('disabled')).toBeDefined()
    expect(w.find('[data-testid="cancel-requested"]').exists()).toBe(true)

    done = true
    FakeSocket.last?.onmessage?.(pushed('CANCELLED', ID, 'cancelled by the shopper: changed my mind'))
    await settle()
    expect(w.find('[data-testid="cancelling"]').exists()).toBe(false)
    expect(w.find('[data-testid="cancel-notice"]').text()).toBe('Your order is cancelled.')
    expect(w.find('[data-testid="status"]').text()).toBe('Order cancelled')
    expect(w.find('[data-testid="reason"]').text()).toBe('Why: cancelled by the shopper: changed my mind')
    expect(w.findAll('[data-testid="compensations"] li').map((li) => li.attributes('data-step'))).toEqual(['release_stock', 'cancel_order'])
    expect(w.find('[data-testid="no-refund"]').exists()).toBe(true)
    expect(w.text()).not.toContain('Cancel order #')
  })

  it('"No, keep it" sends nothing and brings the button back', async () => {
    const fetchMock = vi.fn<Fetch>(async (url) => {
      const p = path(url)
      if (p.endsWith('/saga')) return json(saga('PENDING'))
      if (p.startsWith('/v1/products/')) return json(mug())
      return json(order('PENDING', [{ status: 'PENDING', at: '2026-11-28T10:00:00Z' }]))
    })
    const { w } = await mountAt(`/orders/${ID}`, fetchMock)
    await w.find('button.secondary').trigger('click')
    await w.findAll('button').find((b) => b.text() === 'No, keep it')!.trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="cancel-confirm"]').exists()).toBe(false)
    expect(w.find('button.secondary').text()).toBe('Cancel order')
    expect(fetchMock.mock.calls.some(([u]) => u.endsWith('/cancel'))).toBe(false)
  })

  it('a cancel that comes too late says so', async () => {
    const { w } = await mountAt(`/orders/${ID}`, async (url) => {
      const p = path(url)
      if (p.endsWith('/cancel')) return problem(409, 'not_cancellable', 'the order is PAID')
      if (p.endsWith('/saga')) return json(saga('PENDING'))
      if (p.startsWith('/v1/products/')) return json(mug())
      return json(order('PENDING', [{ status: 'PENDING', at: '2026-11-28T10:00:00Z' }]))
    })
    await w.find('button.secondary').trigger('click')
    await w.findAll('button').find((b) => b.text() === 'Yes, cancel the order')!.trigger('click')
    await settle()
    expect(w.find('[data-testid="cancel-error"]').text()).toBe('This order can no longer be cancelled.')
    expect(w.find('[data-testid="cancelling"]').exists()).toBe(false)
  })

  it('an unknown order id: not found, with a link to the orders list', async () => {
    const { w } = await mountAt('/orders/o-nothere', async (url) => {
      const p = path(url)
      return problem(404, 'order_not_found', `order ${p.split('/')[3]} does not exist`)
    })
    expect(w.find('h1').text()).toBe('Order not found')
    expect(w.find('[data-testid="not-found"]').text()).toContain('o-nothere')
    expect(w.find('[data-testid="not-found"] a').attributes('href')).toBe('/orders')
  })
})

describe('OrderView: going from one order to another in the same tab', () => {
  const A = 'o-aaaaaaaa11112222'
  const B = 'o-bbbbbbbb33334444'

  function fixture(id: string, status: OrderStatus, product: string): Order {
    return order(status, [{ status, at: '2026-11-28T10:00:00Z' }], {
      id,
      lines: [{ product_id: product, quantity: 1, unit_price_cents: id === A ? 1000 : 2000 }],
      total_cents: id === A ? 1000 : 2000,
    })
  }

  it('always shows the order of the route, even when the previous one answers late', async () => {
    // Order A answers only when released; B answers at once.
    let releaseA: (() => void) | null = null
    const { w, router } = await mountAt(`/orders/${A}`, async (url) => {
      const p = path(url)
      if (p === '/v1/products/pa') return json(mug('pa', 'Product of A'))
      if (p === '/v1/products/pb') return json(mug('pb', 'Product of B'))
      const id = p.split('/')[3]
      if (p.endsWith('/saga')) return json({ ...saga(id === A ? 'CONFIRMED' : 'PENDING'), order_id: id, finished: id === A, step: id === A ? 'done' : 'reserve_stock' })
      if (id === A) {
        await new Promise<void>((r) => (releaseA = r))
        return json(fixture(A, 'CONFIRMED', 'pa'))
      }
      return json(fixture(B, 'PENDING', 'pb'))
    })
    expect(w.find('h1').text()).toBe('Order #AAAAAAAA')
    expect(w.text()).toContain('Loading the order')

    await router.push(`/orders/${B}`)
    await settle()
    expect(w.find('h1').text()).toBe('Order #BBBBBBBB')
    expect(w.find('[data-testid="status"]').text()).toBe('Order received')
    expect(w.find('[data-testid="lines"]').text()).toContain('Product of B')

    // A's answers arrive now: they must not show under B.
    for (let i = 0; i < 3 && releaseA; i++) {
      const r: () => void = releaseA
      releaseA = null
      r()
      await settle()
    }
    expect(w.find('h1').text()).toBe('Order #BBBBBBBB')
    expect(w.find('[data-testid="order-id"]').text()).toBe(B)
    expect(w.find('[data-testid="status"]').attributes('data-status')).toBe('PENDING')
    expect(w.find('[data-testid="lines"]').text()).not.toContain('Product of A')
    expect(w.find('[data-testid="total"]').text()).toBe('$20.00')
    // A live message for A does not touch B either.
    FakeSocket.last?.onmessage?.(pushed('CONFIRMED', A))
    await settle()
    expect(w.findAll('[data-testid="timeline"] li').map((li) => li.attributes('data-status'))).toEqual(['PENDING'])

    // Back to A (the browser's back button): A's own data, nothing of B.
    router.back()
    await settle()
    for (let i = 0; i < 3 && releaseA; i++) {
      const r: () => void = releaseA
      releaseA = null
      r()
      await settle()
    }
    expect(w.find('h1').text()).toBe('Order #AAAAAAAA')
    expect(w.find('[data-testid="status"]').attributes('data-status')).toBe('CONFIRMED')
    expect(w.find('[data-testid="lines"]').text()).toContain('Product of A')
    expect(w.find('[data-testid="total"]').text()).toBe('$10.00')
    expect(w.findAll('[data-testid="timeline"] li').map((li) => li.attributes('data-status'))).toEqual(['CONFIRMED'])
  })
})
