import { describe, expect, it } from 'vitest'
import { current, isFinal, merge, type Step } from '../../src/lib/timeline'

const at = (s: number) => new Date(2026, 0, 1, 0, 0, s).toISOString()

describe('status timeline', () => {
  it('orders steps by the saga, whatever order they arrive in', () => {
    let steps: Step[] = []
    for (const s of ['PAID', 'PENDING', 'CONFIRMED', 'RESERVED']) steps = merge(steps, { status: s, at: at(1) })
    expect(steps.map((s) => s.status)).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED'])
    expect(current(steps)).toBe('CONFIRMED')
    expect(isFinal(current(steps))).toBe(true)
  })

  it('ignores duplicates and unknown statuses, keeps the first time, adds a late reason', () => {
    let steps: Step[] = []
    steps = merge(steps, { status: 'PENDING', at: at(1) })
    steps = merge(steps, { status: 'PENDING', at: at(9) })
    steps = merge(steps, { status: 'SHIPPED', at: at(2) })
    steps = merge(steps, { status: 'CANCELLED', at: at(5) })
    steps = merge(steps, { status: 'CANCELLED', at: at(6), reason: 'card declined' })
    steps = merge(steps, { status: 'COMPENSATING', at: at(4) })
    expect(steps.map((s) => s.status)).toEqual(['PENDING', 'COMPENSATING', 'CANCELLED'])
    expect(steps[0].at).toBe(at(1))
    expect(steps[2].reason).toBe('card declined')
    expect(current(steps)).toBe('CANCELLED')
  })

  it('an empty timeline has no status', () => {
    expect(current([])).toBeNull()
    expect(isFinal(null)).toBe(false)
  })
})
