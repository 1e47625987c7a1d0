import { defineStore } from 'pinia'

export type ToastKind = 'info' | 'success' | 'error'

export interface Toast {
  id: number
  kind: ToastKind
  message: string
}

/** How long a toast stays unless it is dismissed (errors stay until dismissed). */
export const TOAST_MS = 6_000
const MAX_TOASTS = 4

let next = 1
const timers = new Map<number, ReturnType<typeof setTimeout>>()

// Feedback that is always in view (components/Toasts.vue is fixed to the viewport): "added to
// cart" is seen on a phone even when the button is far down a long page.
export const useToasts = defineStore('toasts', {
  state: () => ({ items: [] as Toast[] }),
  actions: {
    show(message: string, kind: ToastKind = 'info', ms: number | null = kind === 'error' ? null : TOAST_MS): number {
      const id = next++
      // The same words again replace the older toast instead of stacking.
      for (const t of this.items.filter((t) => t.message === message)) this.dismiss(t.id)
      this.items.push({ id, kind, message })
      while (this.items.length > MAX_TOASTS) this.dismiss(this.items[0].id)
      if (ms !== null) timers.set(id, setTimeout(() => this.dismiss(id), ms))
      return id
    },
    success(message: string): number {
      return this.show(message, 'success')
    },
    error(message: string): number {
      return this.show(message, 'error')
    },
    dismiss(id: number) {
      const timer = timers.get(id)
      if (timer) clearTimeout(timer)
      timers.delete(id)
      this.items = this.items.filter((t) => t.id !== id)
    },
    /** A new page: the news of the last one ("added to your cart") is done; errors stay until dismissed. */
    clearTransient() {
      for (const t of this.items.filter((t) => t.kind !== 'error')) this.dismiss(t.id)
    },
    clear() {
      for (const t of [...this.items]) this.dismiss(t.id)
    },
  },
})
