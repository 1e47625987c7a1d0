import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { loadConfig } from './lib/config'
import { useToken } from './lib/api'
import { useAuth } from './stores/auth'
import { useCart } from './stores/cart'

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
  useToken(
    () => auth.token,
    (code) => {
      auth.expire(
        code === 'token_expired'
          ? 'Your session has expired. Please log in again.'
          : 'Please log in again.',
      )
      router.push({ name: 'login' })
    },
  )
  auth.restore()
  cart.restore()
  app.use(router)
  app.mount('#app')
}

start()
