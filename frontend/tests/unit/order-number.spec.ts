import { describe, expect, it } from 'vitest'
import { shortOrderNumber } from '../../src/lib/order-number'
import { dateTime, dateTimeSeconds } from '../../src/lib/datetime'

describe('short order number', () => {
  it('is the first 8 characters after o-, upper case, with #', () => {
    expect(shortOrderNumber('o-09a4810a4d8b4c2e9f1a2b3c4d5e6f70')).toBe('#09A4810A')
    expect(shortOrderNumber('o-5f0c3f1e9b8a4d2c')).toBe('#5F0C3F1E')
  })

  it('takes what there is of a short or unprefixed id', () => {
    expect(shortOrderNumber('o-abc')).toBe('#ABC')
    expect(shortOrderNumber('xyz12345678')).toBe('#XYZ12345')
    // Letters and digits only, as the emails' order_number (functions/contract/src/order.rs).
    expect(shortOrderNumber('o-ab_cd-ef.gh12')).toBe('#ABCDEFGH')
  })
})

describe('dates and times', () => {
  it('shows the date and the time, in the browser locale', () => {
    const iso = '2026-11-28T10:05:09Z'
    const expected = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
    expect(dateTime(iso)).toBe(expected)
    expect(dateTime(iso)).toMatch(/2026/)
    expect(dateTimeSeconds(iso)).toMatch(/2026/)
    expect(dateTimeSeconds(iso)).not.toBe(dateTime(iso))
  })

  it('leaves a value that is no date as it is', () => {
    expect(dateTime('soon')).toBe('soon')
  })
})
