import { defineStore } from 'pinia'
import { api, type Customer, type Session } from '../lib/api'

const KEY = 'sagaway.session'
/** Refresh this long before the token expires. */
export const REFRESH_MARGIN_MS = 60_000

// The session: kept in sessionStorage (this tab only), refreshed before it expires; an
// expired or rejected session logs out with a message for the login page.
export const useAuth = defineStore('auth', {
  state: () => ({
    token: null as string | null,
    expiresAt: 0,
    customer: null as Customer | null,
    message: null as string | null,
    timer: null as ReturnType<typeof setTimeout> | null,
  }),
  getters: {
    loggedIn: (s) => s.token !== null && s.expiresAt * 1000 > Date.now(),
    isAdmin: (s) => s.customer?.roles.includes('admin') ?? false,
  },
  actions: {
    restore() {
      const raw = sessionStorage.getItem(KEY)
      if (!raw) return
      try {
        const s = JSON.parse(raw) as { token: string; expiresAt: number; customer: Customer }
        if (s.expiresAt * 1000 <= Date.now()) {
          this.expire('Your session has expired. Please log in again.')
          return
        }
        this.token = s.token
        this.expiresAt = s.expiresAt
        this.customer = s.customer
        this.schedule()
      } catch {
        sessionStorage.removeItem(KEY)
      }
    },
    accept(reply: Session) {
      this.token = reply.token.token
      this.expiresAt = reply.token.expires_at
      this.customer = reply.customer
      this.message = null
      sessionStorage.setItem(
        KEY,
        JSON.stringify({ token: this.token, expiresAt: this.expiresAt, customer: this.customer }),
      )
      this.schedule()
    },
    schedule() {
      if (this.timer) clearTimeout(this.timer)
      const wait = Math.max(this.expiresAt * 1000 - Date.now() - REFRESH_MARGIN_MS, 1_000)
      this.timer = setTimeout(() => {
        this.refresh().catch(() => this.expire('Your session has expired. Please log in again.'))
      }, wait)
    },
    async login(email: string, password: string) {
      this.accept(await api('post', '/v1/auth/login', { body: { email, password } }))
    },
    async register(name: string, email: string, password: string) {
      await api('post', '/v1/customers', { body: { name, email, password } })
      await this.login(email, password)
    },
    async refresh() {
      this.accept(await api('post', '/v1/auth/refresh'))
    },
    logout(message: string | null = null) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.token = null
      this.expiresAt = 0
      this.customer = null
      this.message = message
      sessionStorage.removeItem(KEY)
    },
    expire(message: string) {
      this.logout(message)
    },
  },
})
