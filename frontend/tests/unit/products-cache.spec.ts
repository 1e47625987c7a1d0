import { afterEach, describe, expect, it, vi } from 'vitest'
import { setConfig } from '../../src/lib/config'
import { clearProducts, products } from '../../src/lib/products-cache'
import { productImageUrl as imageUrl, type Product } from '../../src/lib/api'

const mug = { id: 'mug', name: 'Ceramic mug', price_cents: 1800, currency: 'USD', stock: 3 } as Product

afterEach(() => vi.unstubAllGlobals())

describe('product lookups for the order pages', () => {
  it('asks once per product, in parallel; a product that is gone is null and remembered', async () => {
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    clearProducts()
    const f = vi.fn(async (url: string) => {
      if (url.endsWith('/v1/products/mug')) return new Response(JSON.stringify(mug), { status: 200, headers: { 'content-type': 'application/json' } })
      if (url.endsWith('/v1/products/flaky')) return new Response('{}', { status: 503, headers: { 'content-type': 'application/json' } })
      return new Response(JSON.stringify({ code: 'product_not_found', detail: 'gone' }), { status: 404, headers: { 'content-type': 'application/problem+json' } })
    })
    vi.stubGlobal('fetch', f)
    const found = await products(['mug', 'gone', 'mug', 'flaky'])
    expect(found.get('mug')?.name).toBe('Ceramic mug')
    expect(found.get('gone')).toBeNull()
    expect(found.get('flaky')).toBeNull()
    expect(f).toHaveBeenCalledTimes(3)
    await products(['mug', 'gone', 'flaky'])
    // mug and gone are remembered; the failed one is asked again.
    expect(f).toHaveBeenCalledTimes(4)
  })

  it('resolves an image path against the web app, not the API', () => {
    const base = 'http://127.0.0.1:4566/sagaway-site-000000000000/index.html'
    expect(imageUrl({ ...mug, image_url: 'images/products/ceramic-mug.svg' } as Product, base)).toBe(
      'http://127.0.0.1:4566/sagaway-site-000000000000/images/products/ceramic-mug.svg',
    )
    expect(imageUrl({ ...mug, image_url: null } as Product, base)).toBeNull()
    expect(imageUrl(mug, base)).toBeNull()
  })
})
