import { describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import OrderView from '../../src/views/OrderView.vue'
import { setConfig } from '../../src/lib/config'

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

describe('OrderView', () => {
  it('shows the timeline from the API, then live messages in saga order without duplicates', async () => {
    setActivePinia(createPinia())
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    sessionStorage.setItem(
      'sagaway.session',
      JSON.stringify({ token: 't', expiresAt: Math.floor(Date.now() / 1000) + 900, customer: { id: 'c', email: 'e', name: 'n', roles: [] } }),
    )
    vi.stubGlobal('WebSocket', FakeSocket)
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (String(url).endsWith('/saga')) return new Response(JSON.stringify({ compensations: [] }))
        return new Response(
          JSON.stringify({
            id: 'o-1', status: 'PENDING', total_cents: 100, currency: 'USD', lines: [],
            history: [{ status: 'PENDING', at: '2026-01-01T00:00:00Z' }],
          }),
        )
      }),
    )
    const { useAuth } = await import('../../src/stores/auth')
    useAuth().restore()
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/orders/:id', component: OrderView }] })
    router.push('/orders/o-1')
    await router.isReady()
    const w = mount(OrderView, { global: { plugins: [router] } })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 5))
    const send = (status: string) =>
      FakeSocket.last?.onmessage?.({ data: JSON.stringify({ notification: { order_id: 'o-1', created_at: '2026-01-01T00:00:01Z', data: { status } } }) })
    send('PAID')
    send('RESERVED')
    send('RESERVED')
    await flushPromises()
    const items = w.findAll('[data-testid="timeline"] li').map((li) => li.attributes('data-status'))
    expect(items).toEqual(['PENDING', 'RESERVED', 'PAID'])
    expect(w.find('[data-testid="status"]').text()).toBe('PAID')
    expect(w.text()).not.toContain('Cancel order')
    w.unmount()
  })
})
