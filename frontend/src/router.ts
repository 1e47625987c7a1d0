import { createRouter, createWebHashHistory } from 'vue-router'
import { useAuth } from './stores/auth'
import NotFoundView from './views/NotFoundView.vue'
import ProductView from './views/ProductView.vue'
import CheckoutView from './views/CheckoutView.vue'
import ProfileView from './views/ProfileView.vue'
import CatalogView from './views/CatalogView.vue'
import LoginView from './views/LoginView.vue'
import RegisterView from './views/RegisterView.vue'
import CartView from './views/CartView.vue'
import OrdersView from './views/OrdersView.vue'
import OrderView from './views/OrderView.vue'
import AdminView from './views/AdminView.vue'
import AdminOrdersView from './views/AdminOrdersView.vue'

// Hash history: every route is index.html#/..., so static hosting needs no fallback rule.
export const router = createRouter({
  history: createWebHashHistory(),
  scrollBehavior: () => ({ top: 0 }),
  routes: [
    // Any other path: the 404 page (vue-router ranks this pattern below every other route).
    { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView },
    { path: '/products/:id', name: 'product', component: ProductView },
    { path: '/checkout', name: 'checkout', component: CheckoutView, meta: { auth: true } },
    { path: '/profile', name: 'profile', component: ProfileView, meta: { auth: true } },

    { path: '/', name: 'catalog', component: CatalogView },
    { path: '/login', name: 'login', component: LoginView },
    { path: '/register', name: 'register', component: RegisterView },
    { path: '/cart', name: 'cart', component: CartView, meta: { auth: true } },
    { path: '/orders', name: 'orders', component: OrdersView, meta: { auth: true } },
    { path: '/orders/:id', name: 'order', component: OrderView, meta: { auth: true } },
    { path: '/admin', name: 'admin', component: AdminView, meta: { auth: true, admin: true } },
    { path: '/admin/orders', name: 'admin-orders', component: AdminOrdersView, meta: { auth: true, admin: true } },
  ],
})

router.beforeEach((to) => {
  const auth = useAuth()
  if (to.meta.auth && !auth.loggedIn) {
    if (auth.token) auth.expire('Your session has expired. Please log in again.')
    return { name: 'login', query: { next: to.fullPath } }
  }
  if (to.meta.admin && !auth.isAdmin) return { name: 'catalog' }
  return true
})
