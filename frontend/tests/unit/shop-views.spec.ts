import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import CatalogView from '../../src/views/CatalogView.vue'
import ProductView from '../../src/views/ProductView.vue'
import NotFoundView from '../../src/views/NotFoundView.vue'
import { setConfig } from '../../src/lib/config'
import type { Product, Session } from '../../src/lib/api'
import { useAuth } from '../../src/stores/auth'
import { useCart } from '../../src/stores/cart'
import { useToasts } from '../../src/stores/toasts'

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

function product(id: string, stock: number, more: Partial<Product> = {}): Product {
  return { id, name: id.replace(/-/g, ' '), description: `About ${id}`, price_cents: 1800, currency: 'USD', stock, updated_at: '2026-01-01T00:00:00Z', category: 'other', image_url: null, ...more }
}

function router(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'catalog', component: CatalogView },
      { path: '/products/:id', name: 'product', component: ProductView },
      { path: '/login', name: 'login', component: { template: '<p>login</p>' } },
      { path: '/cart', name: 'cart', component: { template: '<p>cart</p>' } },
      { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView },
    ],
  })
}

function logIn() {
  const s: Session = {
    token: { token: 't', token_type: 'Bearer', expires_in: 900, expires_at: Math.floor(Date.now() / 1000) + 900 },
    customer: { id: 'c-1', email: 'a@b.co', name: 'Ada', roles: ['customer'], created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
  }
  useAuth().accept(s)
}

const CATEGORIES = { categories: [{ id: 'coffee', name: 'Coffee' }, { id: 'drinkware', name: 'Drinkware' }] }

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
})

describe('CatalogView', () => {
  it('asks the server to search, filter and page, and shows cards with price and stock', async () => {
    const asked: URL[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (u: string) => {
        const url = new URL(u)
        if (url.pathname === '/v1/categories') return json(CATEGORIES)
        asked.push(url)
        if (url.searchParams.get('cursor') === 'next') return json({ items: [product('latte-cup', 0, { category: 'drinkware' })] })
        return json({ items: [product('ceramic-mug', 3, { category: 'drinkware', image_url: 'images/products/ceramic-mug.svg' })], next_cursor: 'next' })
      }),
    )
    logIn()
    const r = router()
    await r.push('/?q=mug&category=drinkware')
    const w = mount(CatalogView, { global: { plugins: [r] } })
    await flushPromises()
    expect(asked.map((u) => Object.fromEntries(u.searchParams))).toEqual([{ limit: '12', q: 'mug', category: 'drinkware' }])
    expect((w.find('#catalog-q').element as HTMLInputElement).value).toBe('mug')
    expect((w.find('#catalog-category').element as HTMLSelectElement).value).toBe('drinkware')
    const mug = w.find('[data-product="ceramic-mug"]')
    expect(mug.find('[data-testid="price"]').text()).toBe('$18.00')
    expect(mug.find('[data-testid="stock"]').text()).toBe('Only 3 left')
    expect(mug.find('img').attributes('src')).toMatch(/\/images\/products\/ceramic-mug\.svg$/)

    await w.findAll('button').find((b) => b.text() === 'Load more products')!.trigger('click')
    await flushPromises()
    expect(Object.fromEntries(asked[1].searchParams)).toEqual({ limit: '12', q: 'mug', category: 'drinkware', cursor: 'next' })
    const latte = w.find('[data-product="latte-cup"]')
    expect(latte.find('[data-testid="stock"]').text()).toBe('Out of stock')
    expect(latte.find('button').attributes('disabled')).toBeDefined()
    expect(latte.find('[data-testid="placeholder"]').exists()).toBe(true)
    expect(w.findAll('button').some((b) => b.text() === 'Load more products')).toBe(false)

    // Another category: a new search from the first page.
    await w.find('#catalog-category').setValue('coffee')
    await flushPromises()
    expect(r.currentRoute.value.query).toEqual({ q: 'mug', category: 'coffee' })
    expect(Object.fromEntries(asked[2].searchParams)).toEqual({ limit: '12', q: 'mug', category: 'coffee' })
  })

  it('adding to the cart says so in a toast, and never more than the stock', async () => {
    vi.stubGlobal('fetch', vi.fn(async (u: string) => (u.includes('/v1/categories') ? json(CATEGORIES) : json({ items: [product('scale', 1)] }))))
    logIn()
    const r = router()
    await r.push('/')
    const w = mount(CatalogView, { global: { plugins: [r] } })
    await flushPromises()
    const add = w.find('[data-product="scale"] button')
    expect(add.attributes('aria-label')).toBe('Add to cart: scale')
    await add.trigger('click')
    await add.trigger('click')
    expect(useCart().lines.map((l) => l.quantity)).toEqual([1])
    expect(useToasts().items.map((t) => [t.kind, t.message])).toEqual([
      ['success', 'scale added to your cart (1 in cart).'],
      ['error', 'Only 1 of scale available: your cart already holds 1.'],
    ])
  })
})

describe('ProductView', () => {
  it('offers at most the stock less what the cart holds', async () => {
    vi.stubGlobal('fetch', vi.fn(async (u: string) => (u.includes('/v1/categories') ? json(CATEGORIES) : json(product('hand-grinder', 4, { category: 'coffee' })))))
    logIn()
    useCart().add(product('hand-grinder', 4), 1)
    const r = router()
    await r.push('/products/hand-grinder')
    const w = mount(ProductView, { global: { plugins: [r] } })
    await flushPromises()
    expect(w.find('h1').text()).toBe('hand grinder')
    expect(w.findAll('#product-qty option').map((o) => o.text())).toEqual(['1', '2', '3'])
    await w.find('#product-qty').setValue('3')
    await w.find('form').trigger('submit')
    expect(useCart().lines[0].quantity).toBe(4)
    expect(w.find('[data-testid="cart-full"]').text()).toBe('Your cart holds all 4 in stock.')
    expect(w.find('.category a').text()).toBe('Coffee')
  })

  it('an unknown product is a not-found message, not a blank page', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(JSON.stringify({ type: 'urn:sagaway:problem:not_found', title: 'Not Found', status: 404, code: 'not_found', detail: 'no product nope' }), {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        }),
      ),
    )
    const r = router()
    await r.push('/products/nope')
    const w = mount(ProductView, { global: { plugins: [r] } })
    await flushPromises()
    expect(w.find('[data-testid="product-missing"] h1').text()).toBe('Product not found')
    expect(w.text()).toContain('“nope”')
  })

  it('an unknown route is the 404 page with a way back', async () => {
    const r = router()
    await r.push('/no/such/page')
    const w = mount(NotFoundView, { global: { plugins: [r] } })
    expect(r.currentRoute.value.name).toBe('not-found')
    expect(w.find('h1').text()).toBe('Page not found')
    expect(w.find('a').attributes('href')).toBe('/')
  })
})
