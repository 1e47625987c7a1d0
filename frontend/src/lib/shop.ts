import type { ShopProduct } from './api'
import { useCart } from '../stores/cart'
import { useToasts } from '../stores/toasts'

/** Adds a product to the cart and says so in a toast (always in view, also on a phone). */
export function addToCart(p: ShopProduct, quantity = 1): number {
  const cart = useCart()
  const toasts = useToasts()
  const added = cart.add(p, quantity)
  const inCart = cart.lines.find((l) => l.productId === p.id)?.quantity ?? 0
  if (added === 0) {
    toasts.error(p.stock <= 0 ? `${p.name} is out of stock.` : `Only ${p.stock} of ${p.name} available: your cart already holds ${inCart}.`)
  } else if (added < quantity) {
    toasts.show(`Only ${p.stock} of ${p.name} available: added ${added}, your cart holds ${inCart}.`)
  } else {
    toasts.success(`${added === 1 ? '' : `${added} × `}${p.name} added to your cart (${inCart} in cart).`)
  }
  return added
}
