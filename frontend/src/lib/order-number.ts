// The short order number a shopper sees (and the emails use): the first 8 characters after
// `o-` of the order id, upper case, with a `#`: `o-09a4810a4d8b...` -> `#09A4810A`. Like the
// contract's `order_number` (functions/contract/src/order.rs), it keeps ASCII letters and
// digits only.
export function shortOrderNumber(id: string): string {
  const body = id.startsWith('o-') ? id.slice(2) : id
  return `#${body.replace(/[^0-9a-z]/gi, '').slice(0, 8).toUpperCase()}`
}
