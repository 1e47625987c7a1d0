import { api, request, type Category, type ShopProduct } from './api'

export const PAGE_SIZE = 12

export interface ProductQuery {
  q?: string
  category?: string
  limit?: number
  cursor?: string
}

export interface ProductPage {
  items: ShopProduct[]
  next_cursor?: string | null
}

/** A page of the catalog, searched and filtered by the server. */
export async function listProducts(query: ProductQuery): Promise<ProductPage> {
  const q: ProductQuery = { limit: query.limit ?? PAGE_SIZE }
  if (query.q?.trim()) q.q = query.q.trim()
  if (query.category) q.category = query.category
  if (query.cursor) q.cursor = query.cursor
  return api('get', '/v1/products', { query: q as { limit?: number; cursor?: string } })
}

let categories: Promise<Category[]> | null = null

function isCategory(v: unknown): v is Category {
  return typeof v === 'object' && v !== null && typeof (v as Category).id === 'string' && typeof (v as Category).name === 'string'
}

/** The catalog's categories (asked once per page load). */
export function listCategories(): Promise<Category[]> {
  if (!categories) {
    categories = request('GET', '/v1/categories').then((r) => {
      const list = (r as { categories?: unknown }).categories
      return Array.isArray(list) ? list.filter(isCategory) : []
    })
    categories.catch(() => (categories = null))
  }
  return categories
}

/** The name of a category id (the id itself when it is not known). */
export function categoryName(list: Category[], id: string | undefined): string {
  if (!id) return ''
  return list.find((c) => c.id === id)?.name ?? id
}
