import { defineStore } from 'pinia'

export interface CartLine {
  productId: string
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
    add(p: { id: string; name: string; price_cents: number }, quantity = 1) {
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
