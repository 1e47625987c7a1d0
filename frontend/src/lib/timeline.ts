// An order's status timeline, merged from two sources that may disagree in order: the API's
// history and WebSocket messages (which can arrive late, twice, or out of order).
//
// Statuses are the API's `OrderStatus` (generated from docs/openapi.json): the maps below name
// every status, so a status added, renamed or removed in the contract breaks the type check.
import type { Compensation, OrderStatus, SagaStep } from './api'

/** Where each status comes in the saga. */
const RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  RESERVED: 1,
  PAID: 2,
  CONFIRMED: 3,
  COMPENSATING: 4,
  CANCELLED: 5,
}

export const ORDER: readonly OrderStatus[] = (Object.keys(RANK) as OrderStatus[]).sort((a, b) => RANK[a] - RANK[b])

/** What a shopper reads for each status. */
export const STATUS_LABELS: Record<OrderStatus, string> = {
  PENDING: 'Order received',
  RESERVED: 'Items reserved',
  PAID: 'Payment taken',
  CONFIRMED: 'Order confirmed',
  COMPENSATING: 'Undoing the order',
  CANCELLED: 'Order cancelled',
}

/** What the saga is doing at each step. */
export const STEP_LABELS: Record<SagaStep, string> = {
  starting: 'Starting',
  create_order: 'Recording the order',
  reserve_stock: 'Reserving the items',
  charge_payment: 'Taking the payment',
  confirm: 'Confirming the order',
  refund_payment: 'Refunding the payment',
  release_stock: 'Releasing the items',
  cancel_order: 'Cancelling the order',
  done: 'Done',
}

/** What each compensation undid (as "Undone: release stock, cancel order"). */
export const COMPENSATION_LABELS: Record<Compensation, string> = {
  refund_payment: 'refund payment',
  release_stock: 'release stock',
  cancel_order: 'cancel order',
}

/** Statuses an order never leaves. */
export const FINAL = ['CONFIRMED', 'CANCELLED'] as const satisfies readonly OrderStatus[]
/** Statuses in which a shopper may still cancel (before the payment). */
export const CANCELLABLE = ['PENDING', 'RESERVED'] as const satisfies readonly OrderStatus[]

export function isOrderStatus(s: unknown): s is OrderStatus {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(RANK, s)
}

export interface Step {
  status: OrderStatus
  at: string
  reason?: string | null
}

/** A step as it arrives: its status may be one this app does not know (it is then ignored). */
export interface Incoming {
  status: string
  at: string
  reason?: string | null
}

/** Adds a step unless it is already there; keeps the steps in saga order. */
export function merge(steps: Step[], incoming: Incoming): Step[] {
  const status = incoming.status
  if (!isOrderStatus(status)) return steps
  const existing = steps.find((s) => s.status === status)
  if (existing) {
    // A duplicate: keep the first, but take a reason it did not have.
    if (!existing.reason && incoming.reason) {
      return steps.map((s) => (s === existing ? { ...s, reason: incoming.reason } : s))
    }
    return steps
  }
  const step: Step = { status, at: incoming.at, reason: incoming.reason ?? undefined }
  return [...steps, step].sort((a, b) => RANK[a.status] - RANK[b.status])
}

/** The order's current status: the furthest step reached. */
export function current(steps: Step[]): OrderStatus | null {
  return steps.length ? steps[steps.length - 1].status : null
}

export function isFinal(status: OrderStatus | null): boolean {
  return status !== null && (FINAL as readonly OrderStatus[]).includes(status)
}

export function isCancellable(status: OrderStatus | null): boolean {
  return status !== null && (CANCELLABLE as readonly OrderStatus[]).includes(status)
}
