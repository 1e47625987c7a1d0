import { defineStore } from 'pinia'
import { api, type Customer, type Session } from '../lib/api'

export const SESSION_KEY = 'sagaway.session'
/** Refresh this long before the token expires. */
export const REFRESH_MARGIN_MS = 60_000
export const EXPIRED = 'Your session has expired. Please log in again.'
export const LOGGED_OUT_ELSEWHERE = 'You logged out in another tab.'

interface Stored {
  token: string
  expiresAt: number
  customer: Customer
}

function read(raw: string | null): Stored | null {
  if (!raw) return null
  try {
    const s = JSON.parse(raw) as Partial<Stored>
    if (typeof s.token !== 'string' || typeof s.expiresAt !== 'number' || !s.customer) return null
    return s as Stored
  } catch {
    return null
  }
}

// The session: kept in localStorage, so every tab of the shop shares it (a new tab is logged
// in; a login, refresh or logout in one tab reaches the others through the `storage` event).
// It is refreshed before it expires; an expired or rejected session logs out with a message
// for the login page.
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
      // A tab opened before the session moved to localStorage keeps its session (sessionStorage).
      const legacy = sessionStorage.getItem(SESSION_KEY)
      if (legacy !== null) {
        sessionStorage.removeItem(SESSION_KEY)
        if (localStorage.getItem(SESSION_KEY) === null) localStorage.setItem(SESSION_KEY, legacy)
      }
      const raw = localStorage.getItem(SESSION_KEY)
      if (!raw) return
      const s = read(raw)
      if (!s) {
        localStorage.removeItem(SESSION_KEY)
        return
      }
      if (s.expiresAt * 1000 <= Date.now()) {
        this.expire(EXPIRED)
        return
      }
      this.adopt(s)
    },
    /** Takes a session (from this tab's storage or another tab's) without writing it back. */
    adopt(s: Stored) {
      this.token = s.token
      this.expiresAt = s.expiresAt
      this.customer = s.customer
      this.message = null
      this.schedule()
    },
    accept(reply: Session) {
      this.token = reply.token.token
      this.expiresAt = reply.token.expires_at
      this.customer = reply.customer
      this.message = null
      this.persist()
      this.schedule()
    },
    persist() {
      if (!this.token || !this.customer) return
      const s: Stored = { token: this.token, expiresAt: this.expiresAt, customer: this.customer }
      localStorage.setItem(SESSION_KEY, JSON.stringify(s))
    },
    /** The shopper's name changed (profile page): every tab shows the new one. */
    setCustomer(customer: Customer) {
      this.customer = customer
      this.persist()
    },
    schedule() {
      if (this.timer) clearTimeout(this.timer)
      const wait = Math.max(this.expiresAt * 1000 - Date.now() - REFRESH_MARGIN_MS, 1_000)
      this.timer = setTimeout(() => {
        this.refresh().catch(() => this.expire(EXPIRED))
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
      // Another tab may have refreshed already: its newer token is ours too.
      const shared = read(localStorage.getItem(SESSION_KEY))
      if (shared && shared.expiresAt > this.expiresAt && shared.expiresAt * 1000 - Date.now() > REFRESH_MARGIN_MS) {
        this.adopt(shared)
        return
      }
      this.accept(await api('post', '/v1/auth/refresh'))
    },
    /** Ends the session in this tab and, through localStorage, in every other tab. */
    logout(message: string | null = null) {
      this.clear(message)
      localStorage.removeItem(SESSION_KEY)
    },
    expire(message: string) {
      this.logout(message)
    },
    clear(message: string | null) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.token = null
      this.expiresAt = 0
      this.customer = null
      this.message = message
    },
    /**
     * Another tab changed the session (the `storage` event): a login or refresh there is a
     * login here, a logout there (or storage cleared) is a logout here. Answers what happened.
     */
    sync(e: Pick<StorageEvent, 'key' | 'newValue'>): 'login' | 'logout' | null {
      if (e.key !== SESSION_KEY && e.key !== null) return null
      const s = read(e.key === null ? null : e.newValue)
      if (s && s.expiresAt * 1000 > Date.now()) {
        const wasIn = this.loggedIn && this.customer?.id === s.customer.id
        this.adopt(s)
        return wasIn ? null : 'login'
      }
      if (!this.token) return null
      this.clear(LOGGED_OUT_ELSEWHERE)
      return 'logout'
    },
  },
})
