import { defineStore } from 'pinia'
import type { Product, Schemas } from '../lib/api'

/** A line of the cart as the app keeps it (with the name and price it showed). */
export interface CartLine {
  productId: Product['id']
  name: string
  priceCents: number
  quantity: number
}

const KEY = 'sagaway.cart'
export const MAX_QUANTITY = 1000

// The cart: lines by product, kept in sessionStorage. Prices shown here are informative; the
// server prices the order from the catalog.
export const useCart = defineStore('cart', {
  state: () => ({ lines: [] as CartLine[] }),
  getters: {
    count: (s) => s.lines.reduce((n, l) => n + l.quantity, 0),
    totalCents: (s) => s.lines.reduce((n, l) => n + l.quantity * l.priceCents, 0),
    /** The lines as `POST /v1/orders` takes them, in the cart's order. */
    orderLines: (s): Schemas['CartLine'][] => s.lines.map((l) => ({ product_id: l.productId, quantity: l.quantity })),
  },
  actions: {
    restore() {
      try {
        this.lines = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as CartLine[]
      } catch {
        this.lines = []
      }
    },
    save() {
      sessionStorage.setItem(KEY, JSON.stringify(this.lines))
    },
    add(p: Pick<Product, 'id' | 'name' | 'price_cents'>, quantity = 1) {
      const line = this.lines.find((l) => l.productId === p.id)
      if (line) line.quantity = Math.min(line.quantity + quantity, MAX_QUANTITY)
      else this.lines.push({ productId: p.id, name: p.name, priceCents: p.price_cents, quantity })
      this.save()
    },
    setQuantity(productId: string, quantity: number) {
      const q = Math.floor(quantity)
      if (!Number.isFinite(q) || q <= 0) this.remove(productId)
      else {
        const line = this.lines.find((l) => l.productId === productId)
        if (line) line.quantity = Math.min(q, MAX_QUANTITY)
      }
      this.save()
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
