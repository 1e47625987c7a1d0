/** At or below this stock the shop says "Only N left". */
export const LOW_STOCK = 5

export type StockLevel = 'out' | 'low' | 'in'

export function stockLevel(stock: number): StockLevel {
  if (stock <= 0) return 'out'
  if (stock <= LOW_STOCK) return 'low'
  return 'in'
}

/** "In stock", "Only 2 left", "Out of stock". */
export function stockText(stock: number): string {
  const level = stockLevel(stock)
  if (level === 'out') return 'Out of stock'
  if (level === 'low') return `Only ${stock} left`
  return 'In stock'
}
