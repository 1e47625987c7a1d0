import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory, type Router } from 'vue-router'
import RegisterView from '../../src/views/RegisterView.vue'
import CartView from '../../src/views/CartView.vue'
import LoginView from '../../src/views/LoginView.vue'
import { setConfig } from '../../src/lib/config'
import { useCart } from '../../src/stores/cart'
import type { FieldError, OrderAccepted, Problem, TestCard } from '../../src/lib/api'

function problem(status: number, code: string, detail: string, errors?: FieldError[], more: Record<string, unknown> = {}) {
  const body: Problem = { type: `urn:sagaway:problem:${code}`, title: 'Error', status, code, detail, ...(errors ? { errors } : {}), ...more }
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } })
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

function router(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'catalog', component: { template: '<p>catalog</p>' } },
      { path: '/register', name: 'register', component: { template: '<p>register</p>' } },
      { path: '/orders/:id', name: 'order', component: { template: '<p>order</p>' } },
    ],
  })
}

beforeEach(() => {
  setActivePinia(createPinia())
  sessionStorage.clear()
  setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
})

describe('RegisterView', () => {
  it('shows the message of every invalid field and marks the inputs', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        problem(422, 'validation_failed', '2 fields are invalid: email: must be an email address; password: must be 10–128 characters', [
          { field: 'email', message: 'must be an email address' },
          { field: 'password', message: 'must be 10–128 characters' },
        ]),
      ),
    )
    const w = mount(RegisterView, { global: { plugins: [router()] } })
    await w.find('#reg-name').setValue('Ada')
    await w.find('#reg-email').setValue('ada@')
    await w.find('#reg-password').setValue('short')
    await w.find('form').trigger('submit')
    await flushPromises()
    const items = w.findAll('[data-testid="field-errors"] li').map((li) => li.text())
    expect(items).toEqual(['Email: must be an email address', 'Password: must be 10–128 characters'])
    expect(w.find('[role="alert"]').text()).toContain('Please correct these fields:')
    expect(w.find('#reg-email').attributes('aria-invalid')).toBe('true')
    expect(w.find('#reg-email').attributes('aria-describedby')).toBe('reg-error-email')
    expect(w.find('#reg-error-email').exists()).toBe(true)
    expect(w.find('#reg-password').attributes('aria-invalid')).toBe('true')
    expect(w.find('#reg-name').attributes('aria-invalid')).toBeUndefined()
  })

  it('a problem without fields shows its words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => problem(409, 'email_taken', 'an account with this email exists')))
    const w = mount(RegisterView, { global: { plugins: [router()] } })
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe('An account with this email already exists. Please log in.')
    expect(w.find('[data-testid="field-errors"]').exists()).toBe(false)
  })
})

describe('LoginView', () => {
  it('a wrong password is one clear alert', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => problem(401, 'invalid_credentials', 'the email or the password is wrong')))
    const w = mount(LoginView, { global: { plugins: [router()] } })
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.findAll('[role="alert"]').map((a) => a.text())).toEqual(['The email or the password is wrong.'])
  })
})

describe('CartView', () => {
  const cards: TestCard[] = [
    { number: '4242424242424242', outcome: 'approved' },
    { number: '4000000000000002', outcome: 'declined' },
  ]
  const accepted = (id: string, repeated = false): OrderAccepted => ({
    order_id: id, status: 'PENDING', total_cents: 3690, currency: 'USD', card: { brand: 'visa', last4: '4242' }, repeated,
    links: { order: `/v1/orders/${id}`, saga: `/v1/orders/${id}/saga`, cancel: `/v1/orders/${id}/cancel` },
  })

  function fill() {
    const cart = useCart()
    cart.add({ id: 'mug', name: 'Mug', price_cents: 1200 })
    cart.add({ id: 'beans', name: 'Beans', price_cents: 2490 })
    return cart
  }

  async function mountCart(orders: (body: unknown, key: string) => Response) {
    const keys: string[] = []
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (String(url).endsWith('/v1/payments/test-cards')) return json({ cards })
      const key = (init?.headers as Record<string, string>)['Idempotency-Key']
      keys.push(key)
      return orders(JSON.parse(String(init?.body)), key)
    })
    vi.stubGlobal('fetch', fetchMock)
    const r = router()
    const w = mount(CartView, { global: { plugins: [r] } })
    await flushPromises()
    return { w, r, keys }
  }

  it('shows the message of every invalid line and field, named as the cart names them', async () => {
    fill()
    const { w } = await mountCart(() =>
      problem(422, 'validation_failed', '2 fields are invalid', [
        { field: 'lines[1].quantity', message: 'must be between 1 and 1000, got 0' },
        { field: 'card_number', message: 'is not a test card of the provider' },
      ]),
    )
    await w.find('button:not(.secondary)').trigger('click')
    await flushPromises()
    const items = w.findAll('[data-testid="field-errors"] li').map((li) => li.text())
    expect(items).toEqual(['Quantity of Beans: must be between 1 and 1000, got 0', 'Card: is not a test card of the provider'])
    expect(w.find('#qty-beans').attributes('aria-invalid')).toBe('true')
    expect(w.find('#qty-mug').attributes('aria-invalid')).toBeUndefined()
    expect(useCart().lines).toHaveLength(2)
  })

  it('sends the cart with one key per cart: a retry keeps it, another cart gets a new one', async () => {
    const cart = fill()
    let calls = 0
    const { w, r, keys } = await mountCart((body) => {
      calls++
      if (calls === 1) return problem(503, 'workflow_engine_unavailable', 'retry')
      expect(body).toEqual({ lines: [{ product_id: 'mug', quantity: 1 }, { product_id: 'beans', quantity: calls === 2 ? 1 : 2 }], card_number: '4242424242424242' })
      if (calls === 2) return problem(503, 'catalog_unavailable', 'retry')
      return json(accepted('o-9'), 202)
    })
    const place = () => w.find('button:not(.secondary)').trigger('click')
    await place()
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe('The service is unavailable right now. Please try again.')
    await place()
    await flushPromises()
    expect(keys[1]).toBe(keys[0])
    cart.setQuantity('beans', 2)
    await place()
    await flushPromises()
    expect(keys[2]).not.toBe(keys[0])
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-9')
    expect(cart.lines).toEqual([])
  })

  it('a key already used for another body: the cart is a new order with a fresh key', async () => {
    fill()
    const { w, r, keys } = await mountCart((_body, key) =>
      keys.length === 1
        ? problem(422, 'idempotency_key_reused', `this Idempotency-Key already placed order o-1 with a different body (${key})`, undefined, { order_id: 'o-1' })
        : json(accepted('o-2'), 202),
    )
    await w.find('button:not(.secondary)').trigger('click')
    await flushPromises()
    expect(keys).toHaveLength(2)
    expect(keys[1]).not.toBe(keys[0])
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-2')
    expect(w.find('[role="alert"]').exists()).toBe(false)
  })

  it('a repeated order goes to the order it placed before', async () => {
    fill()
    const { w, r } = await mountCart(() => json(accepted('o-1', true), 202))
    await w.find('button:not(.secondary)').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-1')
  })
})
