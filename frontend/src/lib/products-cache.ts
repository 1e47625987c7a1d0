// Product names for the order pages: `GET /v1/products/{id}`, once per product per page load,
// all in parallel. A product that is gone (404) is remembered as gone; any other failure is
// forgotten, so the next page asks again.
import { ApiError, api, type Product } from './api'

const cache = new Map<string, Promise<Product | null>>()

export function product(id: string): Promise<Product | null> {
  let p = cache.get(id)
  if (!p) {
    p = api('get', '/v1/products/{id}', { path: { id } }).catch((e: unknown) => {
      if (!(e instanceof ApiError && e.status === 404)) cache.delete(id)
      return null
    })
    cache.set(id, p)
  }
  return p
}

/** The products of these ids (null for one that is gone or could not be read), by id. */
export async function products(ids: readonly string[]): Promise<Map<string, Product | null>> {
  const unique = [...new Set(ids)]
  const found = await Promise.all(unique.map(product))
  return new Map(unique.map((id, i) => [id, found[i]]))
}

/** Forgets every product (for tests). */
export function clearProducts(): void {
  cache.clear()
}
