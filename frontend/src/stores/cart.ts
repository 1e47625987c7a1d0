import { defineStore } from 'pinia'
import type { Product, Schemas } from '../lib/api'

/** A line of the cart as the app keeps it (with the name, price and stock the catalog showed). */
export interface CartLine {
  productId: Product['id']
  name: string
  priceCents: number
  currency: string
  quantity: number
  /** The stock the catalog last showed: the most this line may hold. */
  stock: number
  imageUrl?: string | null
}

/** What the cart needs of a product. */
export type CartProduct = Pick<Product, 'id' | 'name' | 'price_cents'> &
  Partial<Pick<Product, 'currency' | 'stock'>> & { image_url?: string | null }

/** A line whose quantity was lowered to the stock. */
export interface Capped {
  productId: string
  name: string
  stock: number
}

export const CART_KEY = 'sagaway.cart'
/** Whose cart it is: the customer logged in when it was last claimed (none: filled while logged out). */
export const CART_OWNER_KEY = 'sagaway.cart.owner'
export const MAX_QUANTITY = 1000

function limit(stock: number): number {
  return Math.max(0, Math.min(stock, MAX_QUANTITY))
}

function valid(l: unknown): l is CartLine {
  if (typeof l !== 'object' || l === null) return false
  const o = l as Record<string, unknown>
  return typeof o.productId === 'string' && typeof o.name === 'string' && typeof o.priceCents === 'number' && typeof o.quantity === 'number'
}

function parse(raw: string | null): CartLine[] {
  try {
    const v: unknown = JSON.parse(raw ?? '[]')
    if (!Array.isArray(v)) return []
    // Lines kept by an older version of the shop lack the currency and the stock.
    return v.filter(valid).map((l) => {
      const old: Partial<CartLine> = l
      return { ...l, currency: old.currency ?? 'USD', stock: old.stock ?? MAX_QUANTITY }
    })
  } catch {
    return []
  }
}

// The cart: lines by product, kept in localStorage so it is the same in every tab and after a
// reload (the `storage` event brings another tab's change). A line never holds more than the
// stock the catalog showed. Prices shown here are informative; the server prices the order.
export const useCart = defineStore('cart', {
  state: () => ({ lines: [] as CartLine[], owner: null as string | null }),
  getters: {
    count: (s) => s.lines.reduce((n, l) => n + l.quantity, 0),
    /** The total in minor units (of the one currency of the cart; see `totals`). */
    totalCents: (s) => s.lines.reduce((n, l) => n + l.quantity * l.priceCents, 0),
    /** Totals by currency, in the order the currencies first appear. */
    totals: (s): { currency: string; cents: number }[] => {
      const out: { currency: string; cents: number }[] = []
      for (const l of s.lines) {
        const t = out.find((x) => x.currency === l.currency)
        if (t) t.cents += l.quantity * l.priceCents
        else out.push({ currency: l.currency, cents: l.quantity * l.priceCents })
      }
      return out
    },
    /** The lines that can be ordered (a line of an out-of-stock product holds 0). */
    orderable: (s): CartLine[] => s.lines.filter((l) => l.quantity > 0),
    /** The lines as `POST /v1/orders` takes them, in the cart's order. */
    orderLines(): Schemas['CartLine'][] {
      return this.orderable.map((l) => ({ product_id: l.productId, quantity: l.quantity }))
    },
  },
  actions: {
    restore() {
      // A cart of a tab opened before the cart moved to localStorage (sessionStorage).
      const legacy = sessionStorage.getItem(CART_KEY)
      if (legacy !== null) {
        sessionStorage.removeItem(CART_KEY)
        if (localStorage.getItem(CART_KEY) === null) localStorage.setItem(CART_KEY, legacy)
      }
      this.lines = parse(localStorage.getItem(CART_KEY))
      this.owner = localStorage.getItem(CART_OWNER_KEY)
    },
    /**
     * A customer's session began (a login here or in another tab, or a restored session): the
     * cart becomes theirs. A cart another customer left behind (their session expired on a
     * shared browser) is emptied first; one filled while logged out is kept.
     */
    claim(customerId: string) {
      if (this.owner === customerId) return
      if (this.owner !== null) this.clear()
      this.owner = customerId
      localStorage.setItem(CART_OWNER_KEY, customerId)
    },
    save() {
      localStorage.setItem(CART_KEY, JSON.stringify(this.lines))
    },
    /** Another tab changed the cart (the `storage` event). */
    sync(e: Pick<StorageEvent, 'key' | 'newValue'>): boolean {
      if (e.key === CART_OWNER_KEY) {
        this.owner = e.newValue
        return false
      }
      if (e.key !== CART_KEY && e.key !== null) return false
      this.lines = parse(e.key === null ? null : e.newValue)
      if (e.key === null) this.owner = null
      return true
    },
    /**
     * Adds `quantity` of a product, at most up to its stock. Answers how many were added (less
     * than asked when the stock does not allow more; 0 when the line is full or out of stock).
     */
    add(p: CartProduct, quantity = 1): number {
      const stock = p.stock ?? MAX_QUANTITY
      const line = this.lines.find((l) => l.productId === p.id)
      const have = line?.quantity ?? 0
      const next = Math.min(have + Math.max(0, Math.floor(quantity)), limit(stock))
      const added = Math.max(0, next - have)
      if (line) {
        Object.assign(line, { name: p.name, priceCents: p.price_cents, currency: p.currency ?? line.currency, stock, imageUrl: p.image_url ?? line.imageUrl })
        line.quantity = next
      } else if (added > 0) {
        this.lines.push({ productId: p.id, name: p.name, priceCents: p.price_cents, currency: p.currency ?? 'USD', quantity: added, stock, imageUrl: p.image_url ?? null })
      }
      this.save()
      return added
    },
    /** Sets a line's quantity (0 or less removes it), capped by its stock; answers the quantity kept. */
    setQuantity(productId: string, quantity: number): number {
      const q = Math.floor(quantity)
      const line = this.lines.find((l) => l.productId === productId)
      if (!line) return 0
      if (!Number.isFinite(q) || q <= 0) {
        this.remove(productId)
        return 0
      }
      line.quantity = Math.min(q, limit(line.stock))
      if (line.quantity === 0) this.remove(productId)
      this.save()
      return line.quantity
    },
    /**
     * The catalog's current view of the cart's products (refreshed when the cart opens): takes
     * their name, price and stock, and lowers every line that holds more than the stock.
     * Answers the lines it lowered (a line of an out-of-stock product is kept at 0 until the
     * shopper removes it, so they see why).
     */
    refresh(products: CartProduct[]): Capped[] {
      const capped: Capped[] = []
      for (const p of products) {
        const line = this.lines.find((l) => l.productId === p.id)
        if (!line) continue
        const stock = p.stock ?? line.stock
        Object.assign(line, { name: p.name, priceCents: p.price_cents, currency: p.currency ?? line.currency, stock, imageUrl: p.image_url ?? line.imageUrl })
        if (line.quantity > limit(stock)) {
          line.quantity = limit(stock)
          capped.push({ productId: p.id, name: p.name, stock })
        }
      }
      this.save()
      return capped
    },
    remove(productId: string) {
      this.lines = this.lines.filter((l) => l.productId !== productId)
      this.save()
    },
    clear() {
      this.lines = []
      this.save()
    },
  },
})
