import { api, type Category, type CategoryId, type ShopProduct } from './api'

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

/**
 * A page of the catalog, searched (`q`, a part of the name) and filtered (`category`) by the
 * server. A category the API does not know is sent as it is: the API names it in its error.
 */
export async function listProducts(query: ProductQuery): Promise<ProductPage> {
  return api('get', '/v1/products', {
    query: {
      limit: query.limit ?? PAGE_SIZE,
      q: query.q?.trim() || undefined,
      category: (query.category || undefined) as CategoryId | undefined,
      cursor: query.cursor || undefined,
    },
  })
}

let categories: Promise<Category[]> | null = null

/** The catalog's categories, in the shop's order (asked once per page load). */
export function listCategories(): Promise<Category[]> {
  if (!categories) {
    categories = api('get', '/v1/categories').then((r) => r.categories)
    categories.catch(() => (categories = null))
  }
  return categories
}

/** The name of a category id (the id itself when it is not known). */
export function categoryName(list: Category[], id: string | undefined | null): string {
  if (!id) return ''
  return list.find((c) => c.id === id)?.name ?? id
}
