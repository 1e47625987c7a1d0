import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CANCELLABLE,
  FINAL,
  ORDER,
  STATUS_TEXT,
  current,
  isCancellable,
  isFinal,
  isOrderStatus,
  merge,
  statusTitle,
  type Step,
} from '../../src/lib/timeline'
import { pushedNotification } from '../../src/lib/live'

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

describe('order statuses', () => {
  it('the saga order names every status once; each has a label', () => {
    expect(ORDER).toEqual(['PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'COMPENSATING', 'CANCELLED'])
    expect(Object.keys(STATUS_TEXT).sort()).toEqual([...ORDER].sort())
    expect(ORDER.filter(isFinal)).toEqual([...FINAL])
    expect(ORDER.filter(isCancellable)).toEqual([...CANCELLABLE])
    expect(isCancellable('PAID')).toBe(false)
    expect(isOrderStatus('SHIPPED')).toBe(false)
    expect(isOrderStatus('toString')).toBe(false)
  })

  it('words each status as functions/contract/status-text.json does (the wording the emails use)', () => {
    const file = JSON.parse(readFileSync(resolve(__dirname, '../../../functions/contract/status-text.json'), 'utf8')) as Record<string, { title: string; detail: string }>
    expect(STATUS_TEXT).toEqual(file)
    for (const s of ORDER) {
      expect(STATUS_TEXT[s].title.length).toBeGreaterThan(0)
      expect(STATUS_TEXT[s].detail.length).toBeGreaterThan(0)
    }
    expect(statusTitle('CONFIRMED')).toBe(file.CONFIRMED.title)
    expect(statusTitle('PENDING')).not.toBe('PENDING')
  })

  it('takes only order status notifications from pushed messages', () => {
    const n = {
      id: 'n', customer_id: 'c', order_id: 'o-1', kind: 'order_status', message: 'Your order is paid',
      data: { status: 'PAID', reason: null }, created_at: at(1),
    }
    expect(pushedNotification({ type: 'notification', notification: n })).toEqual(n)
    expect(pushedNotification({ notification: { ...n, kind: 'other' } })).toBeNull()
    expect(pushedNotification({ notification: { ...n, data: { status: 'SHIPPED' } } })).toBeNull()
    expect(pushedNotification({ notification: { ...n, data: null } })).toBeNull()
    expect(pushedNotification('hello')).toBeNull()
    expect(pushedNotification(null)).toBeNull()
  })
})
