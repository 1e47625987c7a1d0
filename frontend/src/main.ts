import { createApp, watch } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { loadConfig } from './lib/config'
import { useToken } from './lib/api'
import { EXPIRED, LOGGED_OUT_ELSEWHERE, useAuth } from './stores/auth'
import { useCart } from './stores/cart'
import { useToasts } from './stores/toasts'

async function start() {
  const root = document.getElementById('app')
  try {
    await loadConfig()
  } catch (e) {
    if (root) root.textContent = `The shop could not start: ${(e as Error).message}`
    return
  }
  const app = createApp(App)
  app.use(createPinia())
  const auth = useAuth()
  const cart = useCart()
  const toasts = useToasts()
  useToken(
    () => auth.token,
    (code) => {
      auth.expire(code === 'token_expired' ? EXPIRED : 'Please log in again.')
      router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
    },
  )
  auth.restore()
  cart.restore()
  // The cart is the logged-in customer's: another customer's leftover cart is emptied.
  watch(
    () => auth.customer?.id,
    (id) => {
      if (id) cart.claim(id)
    },
    { immediate: true },
  )
  // Every tab shares the session and the cart (localStorage): follow the other tabs' changes.
  window.addEventListener('storage', (e) => {
    if (e.storageArea !== localStorage) return
    cart.sync(e)
    const what = auth.sync(e)
    if (what === 'logout') {
      toasts.clear()
      // A page that needs the session goes to the login page (which says why); elsewhere a toast.
      if (router.currentRoute.value.meta.auth) router.push({ name: 'login' })
      else toasts.show(LOGGED_OUT_ELSEWHERE)
    } else if (what === 'login' && router.currentRoute.value.name === 'login') {
      router.push('/')
    }
  })
  router.afterEach((to, from) => {
    if (to.path !== from.path) toasts.clearTransient()
  })
  app.use(router)
  app.mount('#app')
}

start()
