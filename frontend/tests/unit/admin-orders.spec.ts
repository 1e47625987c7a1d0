import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { RouterView, createMemoryHistory, createRouter } from 'vue-router'
import AdminOrdersView from '../../src/views/AdminOrdersView.vue'
import { setConfig, temporalSettings, temporalWorkflowUrl } from '../../src/lib/config'
import type { Order, OrderStatus } from '../../src/lib/api'

describe('the Temporal UI link of a saga', () => {
  it('is the workflow order-<id> in the namespace, only when config.json names the UI', () => {
    const base = { apiUrl: 'a', wsUrl: 'w' }
    expect(temporalWorkflowUrl('o-1', { ...base, temporalUiUrl: 'http://127.0.0.1:8233/', temporalNamespace: 'default' })).toBe(
      'http://127.0.0.1:8233/namespaces/default/workflows/order-o-1',
    )
    expect(temporalWorkflowUrl('o-1', { ...base, temporalUiUrl: 'https://cloud.temporal.io', temporalNamespace: 'shop.a1b2' })).toBe(
      'https://cloud.temporal.io/namespaces/shop.a1b2/workflows/order-o-1',
    )
    expect(temporalWorkflowUrl('o-1', { ...base, temporalUiUrl: 'http://ui' })).toBe('http://ui/namespaces/default/workflows/order-o-1')
    expect(temporalWorkflowUrl('o-1', { ...base, temporalUiUrl: '' })).toBeNull()
    expect(temporalWorkflowUrl('o-1', base)).toBeNull()
  })

  it('reads the settings from config.json in camel or snake case', () => {
    expect(temporalSettings({ temporalUiUrl: 'http://ui', temporalNamespace: 'ns' })).toEqual({ temporalUiUrl: 'http://ui', temporalNamespace: 'ns' })
    expect(temporalSettings({ temporalUiUrl: ' ', temporalNamespace: 'default' })).toEqual({ temporalUiUrl: undefined, temporalNamespace: 'default' })
    expect(temporalSettings({ temporalUiUrl: 42 })).toEqual({ temporalUiUrl: undefined, temporalNamespace: undefined })
  })
})

function order(id: string, status: OrderStatus, customer = 'c-other'): Order {
  return {
    id, customer_id: customer, status, total_cents: 1500, currency: 'USD', version: 1,
    lines: [{ product_id: 'mug', quantity: 2, unit_price_cents: 750 }],
    history: [{ status, at: '2026-11-28T10:00:00Z' }],
    created_at: '2026-11-28T10:00:00Z', updated_at: '2026-11-28T10:00:00Z',
  }
}

afterEach(() => vi.unstubAllGlobals())

async function mountAdmin(fetchMock: (url: string) => Promise<Response>, temporalUiUrl?: string) {
  setActivePinia(createPinia())
  setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test', temporalUiUrl, temporalNamespace: 'default' })
  sessionStorage.setItem(
    'sagaway.session',
    JSON.stringify({ token: 't', expiresAt: Math.floor(Date.now() / 1000) + 900, customer: { id: 'c-admin', email: 'e', name: 'n', roles: ['admin'] } }),
  )
  const { useAuth } = await import('../../src/stores/auth')
  useAuth().restore()
  const f = vi.fn(fetchMock)
  vi.stubGlobal('fetch', f)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/admin/orders', component: AdminOrdersView }, { path: '/orders/:id', component: { render: () => null } }] })
  router.push('/admin/orders')
  await router.isReady()
  const w = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } })
  await flushPromises()
  return { w, f, router }
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })

describe('AdminOrdersView', () => {
  it('lists every order, filters by status, pages by cursor, links to the Temporal UI', async () => {
    const { w, f } = await mountAdmin(async (u) => {
      const q = new URL(u).searchParams
      if (q.get('status') === 'CANCELLED') return json({ items: [order('o-cccccccc0000', 'CANCELLED')], next_cursor: null })
      if (q.get('cursor') === 'p2') return json({ items: [order('o-bbbbbbbb0000', 'PENDING')], next_cursor: null })
      return json({ items: [order('o-aaaaaaaa0000', 'CONFIRMED', 'c-admin')], next_cursor: 'p2' })
    }, 'http://127.0.0.1:8233')
    const rows = () => w.findAll('[data-testid="admin-orders"] > li')
    expect(rows().map((r) => r.attributes('data-order'))).toEqual(['o-aaaaaaaa0000'])
    const first = rows()[0]
    expect(first.text()).toContain('#AAAAAAAA')
    expect(first.text()).toContain('Order confirmed')
    expect(first.text()).toContain('$15.00')
    expect(first.text()).toContain('c-admin')
    expect(first.find('a[target="_blank"]').attributes('href')).toBe('http://127.0.0.1:8233/namespaces/default/workflows/order-o-aaaaaaaa0000')
    expect(first.find('a[href="/orders/o-aaaaaaaa0000"]').exists()).toBe(true)
    expect(new URL(String(f.mock.calls[0][0])).searchParams.get('limit')).toBe('20')

    await w.findAll('button').find((b) => b.text() === 'Next page')!.trigger('click')
    await flushPromises()
    expect(rows().map((r) => r.attributes('data-order'))).toEqual(['o-bbbbbbbb0000'])
    // Another customer's order: the admin cannot open its order page (the API says 404), so no link.
    expect(rows()[0].find('a[href^="/orders/"]').exists()).toBe(false)
    await w.findAll('button').find((b) => b.text() === 'Previous page')!.trigger('click')
    await flushPromises()
    expect(rows().map((r) => r.attributes('data-order'))).toEqual(['o-aaaaaaaa0000'])

    await w.find('select').setValue('CANCELLED')
    await flushPromises()
    await flushPromises()
    expect(rows().map((r) => r.attributes('data-order'))).toEqual(['o-cccccccc0000'])
    expect(new URL(String(f.mock.calls.at(-1)![0])).searchParams.get('status')).toBe('CANCELLED')
  })

  it('no Temporal UI link when config.json names none', async () => {
    const { w } = await mountAdmin(async () => json({ items: [order('o-aaaaaaaa0000', 'PENDING')], next_cursor: null }))
    expect(w.find('[data-testid="admin-orders"]').text()).not.toContain('Temporal')
    expect(w.findAll('button').filter((b) => b.text().endsWith('page'))).toHaveLength(0)
  })
})
