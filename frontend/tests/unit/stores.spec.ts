import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { LOGGED_OUT_ELSEWHERE, SESSION_KEY, useAuth } from '../../src/stores/auth'
import { CART_KEY, CART_OWNER_KEY, useCart } from '../../src/stores/cart'
import { useToasts } from '../../src/stores/toasts'
import { setConfig } from '../../src/lib/config'
import type { Session } from '../../src/lib/api'

function reply(expiresInSec: number, roles = ['customer']): Session {
  return {
    token: { token: 'tkn', token_type: 'Bearer', expires_in: expiresInSec, expires_at: Math.floor(Date.now() / 1000) + expiresInSec },
    customer: { id: 'c-1', email: 'a@b.co', name: 'Ada', roles, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
  }
}

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    vi.restoreAllMocks()
  })

  it('logs in, keeps the session for every tab, and logs out', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(reply(900)), { status: 200 })))
    const auth = useAuth()
    await auth.login('a@b.co', 'correct horse')
    expect(auth.loggedIn).toBe(true)
    expect(auth.isAdmin).toBe(false)
    expect(JSON.parse(localStorage.getItem('sagaway.session') ?? '{}').token).toBe('tkn')
    auth.logout('bye')
    expect(auth.loggedIn).toBe(false)
    expect(auth.message).toBe('bye')
    expect(localStorage.getItem('sagaway.session')).toBeNull()
  })

  it('refreshes the token before it expires', async () => {
    vi.useFakeTimers()
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(reply(120, ['customer', 'admin'])), { status: 200 }))
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuth()
    await auth.login('a@b.co', 'correct horse')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(61_000)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(String(fetchMock.mock.calls[1][0])).toContain('/v1/auth/refresh')
    expect(auth.isAdmin).toBe(true)
    vi.useRealTimers()
  })

  it('an expired stored session sends the shopper to log in with a message', () => {
    localStorage.setItem(
      'sagaway.session',
      JSON.stringify({ token: 'old', expiresAt: Math.floor(Date.now() / 1000) - 5, customer: reply(1).customer }),
    )
    const auth = useAuth()
    auth.restore()
    expect(auth.loggedIn).toBe(false)
    expect(auth.message).toMatch(/expired/)
    expect(localStorage.getItem('sagaway.session')).toBeNull()
  })

  it('a wrong password gives words a shopper understands', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(
            JSON.stringify({
              type: 'urn:sagaway:problem:invalid_credentials', title: 'Unauthorized', status: 401,
              code: 'invalid_credentials', detail: 'the email or the password is wrong',
            }),
            { status: 401, headers: { 'content-type': 'application/problem+json' } },
          ),
      ),
    )
    await expect(useAuth().login('a@b.co', 'nope')).rejects.toThrow('The email or the password is wrong.')
  })
})

/** A second tab: its own stores, the same localStorage. */
function tab(): Pinia {
  const p = createPinia()
  setActivePinia(p)
  return p
}

/** What the browser sends the other tabs after a write to localStorage. */
function storageEvent(key: string) {
  return { key, newValue: localStorage.getItem(key) }
}

describe('session across tabs', () => {
  beforeEach(() => {
    localStorage.clear()
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    vi.restoreAllMocks()
  })

  it('a new tab starts logged in; a logout in one tab logs out the other', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(reply(900)), { status: 200 })))
    const a = tab()
    const authA = useAuth(a)
    await authA.login('a@b.co', 'correct horse')

    const b = tab()
    const authB = useAuth(b)
    authB.restore()
    expect(authB.loggedIn).toBe(true)
    expect(authB.customer?.name).toBe('Ada')

    authA.logout('bye')
    expect(authB.sync(storageEvent(SESSION_KEY))).toBe('logout')
    expect(authB.loggedIn).toBe(false)
    expect(authB.token).toBeNull()
    expect(authB.message).toBe(LOGGED_OUT_ELSEWHERE)
    // Another key's change is not the session's.
    expect(authB.sync({ key: 'other', newValue: null })).toBeNull()
  })

  it('a login and a refresh in one tab reach the other; storage cleared logs out', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(reply(900)), { status: 200 })))
    const b = tab()
    const authB = useAuth(b)
    authB.restore()
    expect(authB.loggedIn).toBe(false)
    const a = tab()
    const authA = useAuth(a)
    await authA.login('a@b.co', 'correct horse')
    expect(authB.sync(storageEvent(SESSION_KEY))).toBe('login')
    expect(authB.token).toBe('tkn')
    // A refresh there: the newer token here, without a second "login".
    localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 'newer', expiresAt: authA.expiresAt + 600, customer: authA.customer }))
    expect(authB.sync(storageEvent(SESSION_KEY))).toBeNull()
    expect(authB.token).toBe('newer')
    // localStorage.clear() in another tab: an event with key null.
    localStorage.clear()
    expect(authB.sync({ key: null, newValue: null })).toBe('logout')
    expect(authB.loggedIn).toBe(false)
  })

  it('a tab about to refresh takes the newer token another tab already got instead of asking again', async () => {
    vi.useFakeTimers()
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(reply(120)), { status: 200 }))
    vi.stubGlobal('fetch', fetchMock)
    const auth = useAuth(tab())
    await auth.login('a@b.co', 'correct horse')
    const later = auth.expiresAt + 900
    localStorage.setItem(SESSION_KEY, JSON.stringify({ token: 'from-other-tab', expiresAt: later, customer: auth.customer }))
    await vi.advanceTimersByTimeAsync(61_000)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(auth.token).toBe('from-other-tab')
    expect(auth.expiresAt).toBe(later)
    vi.useRealTimers()
  })

  it('a stored session that is not a session is dropped', () => {
    localStorage.setItem(SESSION_KEY, '{"token": 5}')
    const auth = useAuth(tab())
    auth.restore()
    expect(auth.loggedIn).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })
})

describe('cart store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
  })

  it('belongs to the customer who claims it: another customer finds it empty', () => {
    const cart = useCart()
    const mug = { id: 'mug', name: 'Mug', price_cents: 1200 }
    // Filled while logged out, then the shopper logs in: kept.
    cart.add(mug)
    cart.claim('c-1')
    expect(cart.count).toBe(1)
    cart.add(mug)
    // The same shopper again (a restored session, another tab's login): kept.
    cart.claim('c-1')
    expect(cart.count).toBe(2)
    // Their session expired on a shared browser and another shopper logs in: emptied.
    cart.claim('c-2')
    expect(cart.count).toBe(0)
    expect(localStorage.getItem(CART_OWNER_KEY)).toBe('c-2')
    // A new tab reads both the lines and the owner.
    cart.add(mug)
    setActivePinia(createPinia())
    const other = useCart()
    other.restore()
    expect(other.owner).toBe('c-2')
    expect(other.count).toBe(1)
    // ...and follows the owner another tab writes.
    other.sync({ key: CART_OWNER_KEY, newValue: 'c-3' })
    expect(other.owner).toBe('c-3')
  })

  it('merges lines, totals, caps and removes', () => {
    const cart = useCart()
    const mug = { id: 'mug', name: 'Mug', price_cents: 1200 }
    cart.add(mug)
    cart.add(mug, 2)
    cart.add({ id: 'beans', name: 'Beans', price_cents: 2490 })
    expect(cart.lines).toHaveLength(2)
    expect(cart.orderLines).toEqual([{ product_id: 'mug', quantity: 3 }, { product_id: 'beans', quantity: 1 }])
    expect(cart.count).toBe(4)
    expect(cart.totalCents).toBe(3 * 1200 + 2490)
    expect(cart.totals).toEqual([{ currency: 'USD', cents: 3 * 1200 + 2490 }])
    cart.setQuantity('mug', 5000)
    expect(cart.lines[0].quantity).toBe(1000)
    cart.setQuantity('mug', 0)
    expect(cart.lines.map((l) => l.productId)).toEqual(['beans'])
    const again = useCart()
    again.restore()
    expect(again.lines).toHaveLength(1)
    cart.clear()
    expect(cart.count).toBe(0)
  })

  it('never holds more than the stock the catalog showed', () => {
    const cart = useCart()
    const scale = { id: 'scale', name: 'Scale', price_cents: 3900, currency: 'USD', stock: 4 }
    expect(cart.add(scale, 3)).toBe(3)
    // Only one more fits: that one is added, and the answer says so.
    expect(cart.add(scale, 3)).toBe(1)
    expect(cart.lines[0].quantity).toBe(4)
    expect(cart.add(scale)).toBe(0)
    expect(cart.setQuantity('scale', 9)).toBe(4)
    expect(cart.add({ ...scale, id: 'gone', stock: 0 })).toBe(0)
    expect(cart.lines.map((l) => l.productId)).toEqual(['scale'])
  })

  it('the stock asked again lowers a line, and an out-of-stock line is kept at 0 but not ordered', () => {
    const cart = useCart()
    cart.add({ id: 'scale', name: 'Scale', price_cents: 3900, stock: 10 }, 6)
    cart.add({ id: 'mug', name: 'Mug', price_cents: 1200, stock: 10 }, 2)
    cart.add({ id: 'kettle', name: 'Kettle', price_cents: 5000, stock: 10 }, 1)
    const capped = cart.refresh([
      { id: 'scale', name: 'Scale', price_cents: 3900, stock: 2 },
      { id: 'mug', name: 'Mug (new name)', price_cents: 1300, stock: 50 },
      { id: 'kettle', name: 'Kettle', price_cents: 5000, stock: 0 },
    ])
    expect(capped).toEqual([
      { productId: 'scale', name: 'Scale', stock: 2 },
      { productId: 'kettle', name: 'Kettle', stock: 0 },
    ])
    expect(cart.lines.map((l) => [l.productId, l.quantity, l.name, l.priceCents])).toEqual([
      ['scale', 2, 'Scale', 3900],
      ['mug', 2, 'Mug (new name)', 1300],
      ['kettle', 0, 'Kettle', 5000],
    ])
    expect(cart.orderLines).toEqual([{ product_id: 'scale', quantity: 2 }, { product_id: 'mug', quantity: 2 }])
    expect(cart.totalCents).toBe(2 * 3900 + 2 * 1300)
  })

  it('totals by currency, each in its own currency', () => {
    const cart = useCart()
    cart.add({ id: 'a', name: 'A', price_cents: 1050, currency: 'EUR', stock: 9 }, 2)
    cart.add({ id: 'b', name: 'B', price_cents: 500, currency: 'JPY', stock: 9 }, 3)
    cart.add({ id: 'c', name: 'C', price_cents: 99, currency: 'EUR', stock: 9 }, 1)
    expect(cart.totals).toEqual([
      { currency: 'EUR', cents: 2199 },
      { currency: 'JPY', cents: 1500 },
    ])
  })

  it('a change in one tab reaches the other through the storage event', () => {
    const a = useCart(tab())
    const b = useCart(tab())
    b.restore()
    a.add({ id: 'mug', name: 'Mug', price_cents: 1200, stock: 5 }, 2)
    expect(b.lines).toEqual([])
    expect(b.sync(storageEvent(CART_KEY))).toBe(true)
    expect(b.lines.map((l) => [l.productId, l.quantity, l.stock])).toEqual([['mug', 2, 5]])
    b.setQuantity('mug', 1)
    a.sync(storageEvent(CART_KEY))
    expect(a.count).toBe(1)
    a.clear()
    b.sync(storageEvent(CART_KEY))
    expect(b.lines).toEqual([])
    expect(b.sync({ key: 'sagaway.session', newValue: null })).toBe(false)
  })

  it('a stored cart of an older version (no currency, no stock) or garbage still loads', () => {
    localStorage.setItem(CART_KEY, JSON.stringify([{ productId: 'mug', name: 'Mug', priceCents: 1200, quantity: 2 }, { nonsense: true }]))
    const cart = useCart()
    cart.restore()
    expect(cart.lines).toEqual([{ productId: 'mug', name: 'Mug', priceCents: 1200, quantity: 2, currency: 'USD', stock: 1000 }])
    localStorage.setItem(CART_KEY, '{not json')
    cart.restore()
    expect(cart.lines).toEqual([])
  })
})

describe('toasts', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('go away after a while unless they are errors, and can be dismissed', () => {
    vi.useFakeTimers()
    const toasts = useToasts()
    toasts.success('Mug added')
    const err = toasts.error('Out of stock')
    expect(toasts.items.map((t) => t.kind)).toEqual(['success', 'error'])
    vi.advanceTimersByTime(7_000)
    expect(toasts.items.map((t) => t.message)).toEqual(['Out of stock'])
    toasts.dismiss(err)
    expect(toasts.items).toEqual([])
    vi.useRealTimers()
  })

  it('a new page drops the news of the last one but keeps errors', () => {
    const toasts = useToasts()
    toasts.success('Mug added to your cart')
    toasts.show('Only 2 available')
    toasts.error('Out of stock')
    toasts.clearTransient()
    expect(toasts.items.map((t) => t.message)).toEqual(['Out of stock'])
  })

  it('the same words again replace the older toast', () => {
    const toasts = useToasts()
    toasts.show('Mug added')
    toasts.show('Mug added')
    expect(toasts.items).toHaveLength(1)
  })
})
