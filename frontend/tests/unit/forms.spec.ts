import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory, type Router } from 'vue-router'
import RegisterView from '../../src/views/RegisterView.vue'
import CartView from '../../src/views/CartView.vue'
import CheckoutView from '../../src/views/CheckoutView.vue'
import LoginView from '../../src/views/LoginView.vue'
import { setConfig } from '../../src/lib/config'
import { useCart } from '../../src/stores/cart'
import type { Customer, FieldError, OrderAccepted, Problem, Product, TestCard } from '../../src/lib/api'

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
      { path: '/products/:id', name: 'product', component: { template: '<p>product</p>' } },
      { path: '/cart', name: 'cart', component: { template: '<p>cart</p>' } },
      { path: '/checkout', name: 'checkout', component: { template: '<p>checkout</p>' } },
    ],
  })
}

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
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

describe('CheckoutView', () => {
  const cards: TestCard[] = [
    { number: '4242424242424242', outcome: 'approved' },
    { number: '4000000000000002', outcome: 'declined' },
  ]
  const address = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE' }
  const customer = (shipping: typeof address | null): Customer => ({
    id: 'c-1', email: 'a@b.co', name: 'Ada', roles: ['customer'], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
    shipping_address: shipping,
  })
  const accepted = (id: string, repeated = false): OrderAccepted => ({
    order_id: id, status: 'PENDING', total_cents: 3690, currency: 'USD', card: { brand: 'visa', last4: '4242' }, repeated,
    links: { order: `/v1/orders/${id}`, saga: `/v1/orders/${id}/saga`, cancel: `/v1/orders/${id}/cancel` },
  })

  function fill() {
    const cart = useCart()
    cart.add({ id: 'mug', name: 'Mug', price_cents: 1200, stock: 10 })
    cart.add({ id: 'beans', name: 'Beans', price_cents: 2490, stock: 10 })
    return cart
  }

  async function mountCheckout(
    orders: (body: unknown, key: string) => Response,
    opts: { shipping?: typeof address | null; profile?: (body: unknown) => Response } = {},
  ) {
    const keys: string[] = []
    const profiles: unknown[] = []
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (String(url).endsWith('/v1/payments/test-cards')) return json({ cards })
      if (String(url).endsWith('/v1/customers/me')) {
        if (init?.method === 'PUT') {
          const body = JSON.parse(String(init.body))
          profiles.push(body)
          return opts.profile ? opts.profile(body) : json(customer(body.shipping_address))
        }
        return json(customer(opts.shipping === undefined ? address : opts.shipping))
      }
      const key = (init?.headers as Record<string, string>)['Idempotency-Key']
      keys.push(key)
      return orders(JSON.parse(String(init?.body)), key)
    })
    vi.stubGlobal('fetch', fetchMock)
    const r = router()
    const w = mount(CheckoutView, { global: { plugins: [r] }, attachTo: document.body })
    await flushPromises()
    return { w, r, keys, profiles }
  }

  const place = async (w: Awaited<ReturnType<typeof mountCheckout>>['w']) => {
    await w.find('form').trigger('submit')
    await flushPromises()
  }

  it('shows the message of every invalid line and field, named as the cart names them', async () => {
    fill()
    const { w } = await mountCheckout(() =>
      problem(422, 'validation_failed', '2 fields are invalid', [
        { field: 'lines[1].quantity', message: 'must be between 1 and 1000, got 0' },
        { field: 'card_number', message: 'is not a test card of the provider' },
      ]),
    )
    await place(w)
    const items = w.findAll('[data-testid="field-errors"] li').map((li) => li.text())
    expect(items).toEqual(['Quantity of Beans: must be between 1 and 1000, got 0', 'Card: is not a test card of the provider'])
    expect(useCart().lines).toHaveLength(2)
    w.unmount()
  })

  it('prefills the address from the profile and sends it with the order, without saving it again', async () => {
    fill()
    let sent: unknown = null
    const { w, r, profiles } = await mountCheckout((body) => {
      sent = body
      return json(accepted('o-7'), 202)
    })
    expect((w.find('#ship-line1').element as HTMLInputElement).value).toBe('Unter den Linden 1')
    expect((w.find('#ship-country').element as HTMLInputElement).value).toBe('DE')
    await place(w)
    expect(profiles).toEqual([])
    expect(sent).toEqual({
      lines: [{ product_id: 'mug', quantity: 1 }, { product_id: 'beans', quantity: 1 }],
      card_number: '4242424242424242',
      shipping_address: address,
    })
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-7')
    w.unmount()
  })

  it('a new address is checked in the browser, saved to the profile, then ordered', async () => {
    fill()
    let sent: { shipping_address?: unknown } | null = null
    const { w, r, profiles, keys } = await mountCheckout(
      (body) => {
        sent = body as { shipping_address?: unknown }
        return json(accepted('o-8'), 202)
      },
      { shipping: null },
    )
    await place(w)
    // Nothing sent: the browser names the empty fields at the fields.
    expect(keys).toEqual([])
    expect(w.find('#ship-line1').attributes('aria-invalid')).toBe('true')
    expect(w.find('#ship-line1').attributes('aria-describedby')).toBe('ship-line1-error')
    expect(w.find('#ship-line1-error').text()).toBe('Enter the street and number.')
    await w.find('#ship-line1').setValue(' 1 Main St ')
    await w.find('#ship-city').setValue('Springfield')
    await w.find('#ship-postal_code').setValue('12345')
    await w.find('#ship-country').setValue('us')
    await place(w)
    const want = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' }
    expect(profiles).toEqual([{ shipping_address: want }])
    expect(sent!.shipping_address).toEqual(want)
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-8')
    w.unmount()
  })

  it("the API's address errors are shown at their fields and nothing is ordered", async () => {
    fill()
    const { w, keys } = await mountCheckout(() => json(accepted('o-9'), 202), {
      shipping: null,
      profile: () =>
        problem(422, 'validation_failed', '1 field is invalid', [{ field: 'shipping_address.postal_code', message: 'must be at most 20 characters' }]),
    })
    await w.find('#ship-line1').setValue('1 Main St')
    await w.find('#ship-city').setValue('Springfield')
    await w.find('#ship-postal_code').setValue('1'.repeat(25))
    await w.find('#ship-country').setValue('US')
    await place(w)
    expect(keys).toEqual([])
    expect(w.find('#ship-postal_code').attributes('aria-invalid')).toBe('true')
    expect(w.find('#ship-postal_code-error').text()).toBe('Postal code must be at most 20 characters.')
    expect(w.find('[data-testid="field-errors"]').text()).toContain('Shipping address, postal code: must be at most 20 characters')
    w.unmount()
  })

  it('sends the cart with one key per cart: a retry keeps it, another cart gets a new one', async () => {
    const cart = fill()
    let calls = 0
    const { w, r, keys } = await mountCheckout((body) => {
      calls++
      if (calls === 1) return problem(503, 'workflow_engine_unavailable', 'retry')
      expect(body).toEqual({
        lines: [{ product_id: 'mug', quantity: 1 }, { product_id: 'beans', quantity: calls === 2 ? 1 : 2 }],
        card_number: '4242424242424242',
        shipping_address: address,
      })
      if (calls === 2) return problem(503, 'catalog_unavailable', 'retry')
      return json(accepted('o-9'), 202)
    })
    await place(w)
    expect(w.find('[role="alert"]').text()).toBe('The service is unavailable right now. Please try again.')
    await place(w)
    expect(keys[1]).toBe(keys[0])
    cart.setQuantity('beans', 2)
    await place(w)
    expect(keys[2]).not.toBe(keys[0])
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-9')
    expect(cart.lines).toEqual([])
    w.unmount()
  })

  it('a key already used for another body: the cart is a new order with a fresh key', async () => {
    fill()
    const { w, r, keys } = await mountCheckout((_body, key) =>
      keys.length === 1
        ? problem(422, 'idempotency_key_reused', `this Idempotency-Key already placed order o-1 with a different body (${key})`, undefined, { order_id: 'o-1' })
        : json(accepted('o-2'), 202),
    )
    await place(w)
    expect(keys).toHaveLength(2)
    expect(keys[1]).not.toBe(keys[0])
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-2')
    expect(w.find('[role="alert"]').exists()).toBe(false)
    w.unmount()
  })

  it('a repeated order goes to the order it placed before', async () => {
    fill()
    const { w, r } = await mountCheckout(() => json(accepted('o-1', true), 202))
    await place(w)
    expect(r.currentRoute.value.fullPath).toBe('/orders/o-1')
    w.unmount()
  })
})

describe('CartView', () => {
  const product = (id: string, stock: number, price = 1200): Product => ({
    id, name: id.toUpperCase(), description: '', price_cents: price, currency: 'EUR', stock, updated_at: '2026-01-01T00:00:00Z', category: 'other', image_url: null,
  })

  it('asks for the stock when it opens and lowers what no longer fits, saying so at the line', async () => {
    const cart = useCart()
    cart.add({ ...product('mug', 10), currency: 'EUR' }, 6)
    cart.add({ ...product('beans', 10), currency: 'EUR' }, 2)
    const now: Record<string, Product> = { mug: product('mug', 4), beans: product('beans', 10, 1500) }
    vi.stubGlobal('fetch', vi.fn(async (url: string) => json(now[String(url).split('/').pop() ?? ''])))
    const w = mount(CartView, { global: { plugins: [router()] } })
    await flushPromises()
    expect(cart.lines.map((l) => [l.productId, l.quantity, l.stock])).toEqual([['mug', 4, 4], ['beans', 2, 10]])
    const mug = w.find('[data-product="mug"]')
    expect(mug.find('[data-testid="line-note"]').text()).toBe('Only 4 available: the quantity was lowered to 4.')
    expect(mug.find('input').attributes('max')).toBe('4')
    expect(mug.find('[data-testid="line-total"]').text()).toBe('€48.00')
    expect(w.find('[data-product="beans"] [data-testid="line-note"]').exists()).toBe(false)
    expect(w.find('[data-testid="cart-total"]').text()).toBe('€78.00')
    // More than the stock typed in: kept at the stock, with the reason.
    const input = mug.find('input').element as HTMLInputElement
    input.value = '9'
    await mug.find('input').trigger('change')
    expect(cart.lines[0].quantity).toBe(4)
    expect(input.value).toBe('4')
    expect(mug.find('[aria-label="One more MUG"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-product="mug"] [data-testid="line-note"]').text()).toBe('Only 4 available.')
  })
})
