// An order's status timeline, merged from two sources that may disagree in order: the API's
// history and WebSocket messages (which can arrive late, twice, or out of order).

export const ORDER = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'COMPENSATING', 'CANCELLED']

export interface Step {
  status: string
  at: string
  reason?: string
}

/** Adds a step unless it is already there; keeps the steps in saga order. */
export function merge(steps: Step[], incoming: Step): Step[] {
  if (!ORDER.includes(incoming.status)) return steps
  const existing = steps.find((s) => s.status === incoming.status)
  if (existing) {
    // A duplicate: keep the first, but take a reason it did not have.
    if (!existing.reason && incoming.reason) {
      return steps.map((s) => (s === existing ? { ...s, reason: incoming.reason } : s))
    }
    return steps
  }
  return [...steps, incoming].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status))
}

/** The order's current status: the furthest step reached. */
export function current(steps: Step[]): string | null {
  return steps.length ? steps[steps.length - 1].status : null
}

export function isFinal(status: string | null): boolean {
  return status === 'CONFIRMED' || status === 'CANCELLED'
}
