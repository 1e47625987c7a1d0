// The live saga diagram's state, as pure functions of what the page knows: the order's
// statuses (its history merged with the WebSocket's messages, lib/timeline.ts) and the last
// answer of the saga query (`GET /v1/orders/{id}/saga`). Either may be behind the other, arrive
// twice or out of order; the diagram only ever moves forward.
//
//   reserve stock -> charge payment -> confirm order      each: waiting / running / done / failed / not run
//   then, when the saga undoes the order: the compensations that actually ran
//   (refund payment, release stock, cancel order), never a refund of a card never charged.
import type { Compensation, OrderStatus, SagaState, SagaStep } from './api'

/** The forward steps, in the saga's order. */
export const FORWARD = ['reserve_stock', 'charge_payment', 'confirm'] as const satisfies readonly SagaStep[]
export type ForwardStep = (typeof FORWARD)[number]

/** The compensations, in the order the saga runs them. */
export const COMPENSATIONS = ['refund_payment', 'release_stock', 'cancel_order'] as const satisfies readonly Compensation[]

export const FORWARD_LABELS: Record<ForwardStep, string> = {
  reserve_stock: 'Reserve stock',
  charge_payment: 'Charge payment',
  confirm: 'Confirm order',
}

export const COMPENSATION_STEP_LABELS: Record<Compensation, string> = {
  refund_payment: 'Refund payment',
  release_stock: 'Release stock',
  cancel_order: 'Cancel order',
}

export type NodeState = 'waiting' | 'running' | 'done' | 'failed' | 'skipped'
export type CompensationState = 'running' | 'done'

export interface SagaNode {
  step: ForwardStep
  label: string
  state: NodeState
  /** The attempt number while Temporal retries the step (2, 3, ...); null on the first. */
  attempt: number | null
  /** The state in words ("Running, attempt 2"). */
  stateText: string
  /** Why it failed, or what went wrong on the last attempt while it is retried. */
  note: string | null
}

export interface CompensationNode {
  step: Compensation
  label: string
  state: CompensationState
  stateText: string
}

export interface SagaView {
  nodes: SagaNode[]
  /** Only the compensations that ran or are running, in the order they ran. */
  compensations: CompensationNode[]
  /** The saga undid the order, and the card was never charged: there is nothing to refund. */
  nothingToRefund: boolean
  /** Why the forward path stopped: a failed step, the shopper's cancellation, or not stopped. */
  stoppedBy: 'failure' | 'shopper' | null
  /** The shopper asked to cancel; it takes effect after the step running now. */
  cancelRequested: boolean
  /** The saga has nothing more to do. */
  finished: boolean
  /** One sentence of where the saga is, for a screen reader (aria-live). */
  summary: string
}

/** What the page knows of the order. */
export interface SagaInput {
  /** The order's statuses so far (any order, duplicates allowed). */
  statuses: readonly OrderStatus[]
  /** The last saga query answer, if any. */
  saga: SagaState | null
  /** The reason in the order's history (COMPENSATING / CANCELLED), if any. */
  reason?: string | null
}

/** The attempt number of the step the saga is running, when it is a retry (2 or more). */
export function attemptOf(saga: SagaState | null): number | null {
  const a = saga?.attempt
  return typeof a === 'number' && a > 1 ? a : null
}

function lastFailureOf(saga: SagaState | null): string | null {
  const f = saga?.last_failure
  return typeof f === 'string' && f ? f : null
}

const STATUS_RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  RESERVED: 1,
  PAID: 2,
  CONFIRMED: 3,
  COMPENSATING: 4,
  CANCELLED: 5,
}

const STEP_RANK: Record<SagaStep, number> = {
  starting: 0,
  create_order: 1,
  reserve_stock: 2,
  charge_payment: 3,
  confirm: 4,
  refund_payment: 5,
  release_stock: 6,
  cancel_order: 7,
  done: 8,
}

/** How far a saga state is: every part only grows while a saga runs. */
function progress(s: SagaState): number[] {
  const flags = [s.stock_reserved, s.charge_attempted, s.charged, !!s.cancel_requested, !!s.failure_reason]
  return [
    s.finished ? 1 : 0,
    STATUS_RANK[s.status] ?? 0,
    STEP_RANK[s.step] ?? 0,
    s.compensations.length,
    flags.filter(Boolean).length,
    s.attempt ?? 1,
  ]
}

/**
 * The saga state to show after an answer arrives: `next`, unless it is older than `prev` (two
 * queries in flight answer out of order) or is another order's.
 */
export function newerSaga(prev: SagaState | null, next: SagaState, orderId?: string): SagaState | null {
  if (orderId !== undefined && next.order_id !== orderId) return prev
  if (!prev || prev.order_id !== next.order_id) return next
  const a = progress(prev)
  const b = progress(next)
  for (let i = 0; i < a.length; i++) {
    if (b[i] > a[i]) return next
    if (b[i] < a[i]) return prev
  }
  return next
}

const SHOPPER_PREFIX = 'cancelled by the shopper'

function stateText(state: NodeState, attempt: number | null): string {
  switch (state) {
    case 'waiting':
      return 'Waiting'
    case 'running':
      return attempt ? `Running, attempt ${attempt}` : 'Running'
    case 'done':
      return 'Done'
    case 'failed':
      return 'Failed'
    case 'skipped':
      return 'Not run'
  }
}

/** The diagram for what the page knows now. */
export function sagaView({ statuses, saga, reason }: SagaInput): SagaView {
  const seen = new Set<OrderStatus>(statuses)
  if (saga) seen.add(saga.status)
  const has = (...s: OrderStatus[]) => s.some((x) => seen.has(x))

  const confirmed = has('CONFIRMED')
  const charged = !!saga?.charged || has('PAID', 'CONFIRMED')
  const chargeAttempted = !!saga?.charge_attempted || charged
  const failure = saga?.failure_reason ?? reason ?? null
  const stopped = !confirmed && (has('COMPENSATING', 'CANCELLED') || !!saga?.failure_reason)
  const cancelled = has('CANCELLED')
  const finished = confirmed || cancelled || !!saga?.finished
  const cancelRequested = !!saga?.cancel_requested && !finished
  const stoppedBy: SagaView['stoppedBy'] = !stopped
    ? null
    : failure?.startsWith(SHOPPER_PREFIX) || (!!saga?.cancel_requested && !failure)
      ? 'shopper'
      : 'failure'

  const done: Record<ForwardStep, boolean> = {
    reserve_stock: !!saga?.stock_reserved || has('RESERVED', 'PAID', 'CONFIRMED'),
    charge_payment: charged,
    confirm: confirmed,
  }
  const firstOpen = FORWARD.find((s) => !done[s]) ?? null

  // The step running now: the saga's own word when it is a forward step not yet done (it may
  // be behind the statuses); otherwise the first step not done, unless the saga is still
  // recording the order.
  let running: ForwardStep | null = null
  if (!stopped && !finished && firstOpen) {
    const step = saga?.step
    if (step && (FORWARD as readonly string[]).includes(step) && !done[step as ForwardStep]) running = step as ForwardStep
    else if (step !== 'starting' && step !== 'create_order') running = firstOpen
  }
  const attempt = running && saga?.step === running ? attemptOf(saga) : null

  const nodes: SagaNode[] = FORWARD.map((step) => {
    let state: NodeState
    let note: string | null = null
    let nodeAttempt: number | null = null
    if (done[step]) state = 'done'
    else if (stopped) {
      state = step === firstOpen && stoppedBy === 'failure' ? 'failed' : 'skipped'
      if (state === 'failed') note = failure
    } else if (step === running) {
      state = 'running'
      nodeAttempt = attempt
      if (attempt) note = lastFailureOf(saga)
    } else state = 'waiting'
    return { step, label: FORWARD_LABELS[step], state, attempt: nodeAttempt, stateText: stateText(state, nodeAttempt), note }
  })

  // Compensations: those the saga reports, all of them once the order is CANCELLED (the saga
  // records CANCELLED last), and the next one while it is undoing the order.
  const compensations: CompensationNode[] = []
  if (stopped) {
    const expected = COMPENSATIONS.filter((c) => c !== 'refund_payment' || chargeAttempted)
    const ran = new Set<Compensation>(saga?.compensations ?? [])
    if (cancelled) for (const c of expected) ran.add(c)
    const order = [...(saga?.compensations ?? []), ...expected.filter((c) => !(saga?.compensations ?? []).includes(c))]
    let next: Compensation | null = null
    if (!finished) next = expected.find((c) => !ran.has(c)) ?? null
    for (const c of order) {
      if (c === 'refund_payment' && !charged) continue // a card never charged has nothing to refund
      if (ran.has(c)) compensations.push({ step: c, label: COMPENSATION_STEP_LABELS[c], state: 'done', stateText: 'Done' })
      else if (c === next) compensations.push({ step: c, label: COMPENSATION_STEP_LABELS[c], state: 'running', stateText: 'Running' })
    }
  }
  const nothingToRefund = stopped && !charged

  return {
    nodes,
    compensations,
    nothingToRefund,
    stoppedBy,
    cancelRequested,
    finished,
    summary: summarize(nodes, compensations, { confirmed, cancelled, stopped }),
  }
}

function summarize(
  nodes: SagaNode[],
  compensations: CompensationNode[],
  s: { confirmed: boolean; cancelled: boolean; stopped: boolean },
): string {
  if (s.confirmed) return 'All steps done: the order is confirmed.'
  if (s.cancelled) return 'The order was undone and cancelled.'
  if (s.stopped) {
    const undoing = compensations.find((c) => c.state === 'running')
    return undoing ? `Undoing the order: ${undoing.label.toLowerCase()}.` : 'Undoing the order.'
  }
  const running = nodes.find((n) => n.state === 'running')
  const now = running ? `Now: ${running.label.toLowerCase()}${running.attempt ? `, attempt ${running.attempt}` : ''}.` : 'Starting.'
  return now
}
