import { describe, expect, it } from 'vitest'
import { minorDigits, money, parsePrice, toUnits } from '../../src/lib/money'
import { stockText } from '../../src/lib/stock'

describe('money', () => {
  it('formats minor units in the currency of the product', () => {
    expect(money(1800, 'USD')).toBe('$18.00')
    expect(money(123456, 'USD')).toBe('$1,234.56')
    expect(money(1800, 'EUR')).toBe('€18.00')
    expect(money(1800, 'GBP')).toBe('£18.00')
    // The yen has no minor unit: 1800 is ¥1,800, not ¥18.
    expect(money(1800, 'JPY')).toBe('¥1,800')
    expect(money(5, 'usd')).toBe('$0.05')
  })

  it('an unknown currency code still shows the amount and the code', () => {
    expect(money(1800, 'XX1')).toBe('18.00 XX1')
  })

  it('knows the decimals of a currency', () => {
    expect(minorDigits('USD')).toBe(2)
    expect(minorDigits('JPY')).toBe(0)
    expect(minorDigits('KWD')).toBe(3)
  })

  it('shows an amount as an admin types it', () => {
    expect(toUnits(1800, 'USD')).toBe('18.00')
    expect(toUnits(5, 'USD')).toBe('0.05')
    expect(toUnits(0, 'EUR')).toBe('0.00')
    expect(toUnits(1800, 'JPY')).toBe('1800')
    expect(toUnits(1234, 'KWD')).toBe('1.234')
  })
})

describe('parsePrice: the admin types the price in units, it is kept exactly in minor units', () => {
  const ok = (text: string, currency = 'USD') => {
    const r = parsePrice(text, currency)
    if (!r.ok) throw new Error(r.error)
    return r.minor
  }

  it('parses the decimal text without a float rounding error', () => {
    expect(ok('18.00')).toBe(1800)
    expect(ok('18')).toBe(1800)
    expect(ok('18.5')).toBe(1850)
    expect(ok(' 0.29 ')).toBe(29) // 0.29 * 100 is 28.999999999999996 as a float
    expect(ok('1.15')).toBe(115) // 1.15 * 100 is 114.99999999999999
    expect(ok('4.35')).toBe(435)
    expect(ok('1,234.50')).toBe(123450)
    expect(ok('0')).toBe(0)
    expect(ok('18.')).toBe(1800)
    expect(ok('1800', 'JPY')).toBe(1800)
    expect(ok('1.234', 'KWD')).toBe(1234)
  })

  it('refuses what is not a price, saying what to type', () => {
    for (const bad of ['', 'abc', '-5', '1e3', '18.00.1', '$18', '.5x']) {
      const r = parsePrice(bad, 'USD')
      expect(r.ok, bad).toBe(false)
      if (!r.ok) expect(r.error).toMatch(/e\.g\. 18\.00/)
    }
    const cents = parsePrice('18.001', 'USD')
    expect(cents).toEqual({ ok: false, error: 'USD has 2 decimals: e.g. 18.00.' })
    expect(parsePrice('18.5', 'JPY')).toEqual({ ok: false, error: 'JPY has no decimals: e.g. 1800.' })
    expect(parsePrice('9'.repeat(20), 'USD')).toEqual({ ok: false, error: 'That price is too large.' })
  })
})

describe('stock badge words', () => {
  it('says in stock, only N left at 5 or fewer, out of stock', () => {
    expect(stockText(60)).toBe('In stock')
    expect(stockText(6)).toBe('In stock')
    expect(stockText(5)).toBe('Only 5 left')
    expect(stockText(1)).toBe('Only 1 left')
    expect(stockText(0)).toBe('Out of stock')
  })
})
