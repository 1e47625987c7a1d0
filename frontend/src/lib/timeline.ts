// An order's status timeline, merged from two sources that may disagree in order: the API's
// history and WebSocket messages (which can arrive late, twice, or out of order).
//
// Statuses are the API's `OrderStatus` (generated from docs/openapi.json): the maps below name
// every status, so a status added, renamed or removed in the contract breaks the type check.
import type { OrderStatus } from './api'
import statusText from '../../../functions/contract/status-text.json'

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

/** A status in a shopper's words: a short title and a sentence of detail. */
export interface StatusText {
  title: string
  detail: string
}

/**
 * What a shopper reads for each status: functions/contract/status-text.json, the one wording
 * the web app and the emails share (a status missing there breaks the type check here).
 */
export const STATUS_TEXT: Readonly<Record<OrderStatus, StatusText>> = statusText satisfies Record<OrderStatus, StatusText>

/** The short title of a status ("Order confirmed"). */
export function statusTitle(status: OrderStatus): string {
  return STATUS_TEXT[status].title
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
