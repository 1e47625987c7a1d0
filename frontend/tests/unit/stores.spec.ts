import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useAuth } from '../../src/stores/auth'
import { useCart } from '../../src/stores/cart'
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
    sessionStorage.clear()
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    vi.restoreAllMocks()
  })

  it('logs in, keeps the session for the tab, and logs out', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(reply(900)), { status: 200 })))
    const auth = useAuth()
    await auth.login('a@b.co', 'correct horse')
    expect(auth.loggedIn).toBe(true)
    expect(auth.isAdmin).toBe(false)
    expect(JSON.parse(sessionStorage.getItem('sagaway.session') ?? '{}').token).toBe('tkn')
    auth.logout('bye')
    expect(auth.loggedIn).toBe(false)
    expect(auth.message).toBe('bye')
    expect(sessionStorage.getItem('sagaway.session')).toBeNull()
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
    sessionStorage.setItem(
      'sagaway.session',
      JSON.stringify({ token: 'old', expiresAt: Math.floor(Date.now() / 1000) - 5, customer: reply(1).customer }),
    )
    const auth = useAuth()
    auth.restore()
    expect(auth.loggedIn).toBe(false)
    expect(auth.message).toMatch(/expired/)
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

describe('cart store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    sessionStorage.clear()
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
})
