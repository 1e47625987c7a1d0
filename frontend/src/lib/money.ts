// Money as the API sends it: an integer count of the currency's minor units (`price_cents`,
// `total_cents`: cents for USD and EUR, yen for JPY) and an ISO 4217 currency code.

/** The web app's locale for numbers (the shop's words are English). */
export const LOCALE = 'en-US'

const formats = new Map<string, Intl.NumberFormat>()

function format(currency: string): Intl.NumberFormat | null {
  const code = currency.toUpperCase()
  let f = formats.get(code)
  if (!f) {
    try {
      f = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: code })
    } catch {
      return null // not an ISO 4217 code Intl knows
    }
    formats.set(code, f)
  }
  return f
}

/** How many decimals the currency has (2 for USD and EUR, 0 for JPY, 3 for KWD). */
export function minorDigits(currency: string): number {
  return format(currency)?.resolvedOptions().maximumFractionDigits ?? 2
}

/** `money(1800, 'USD')` -> `$18.00`, `money(1800, 'EUR')` -> `€18.00`, `money(1800, 'JPY')` -> `¥1,800`. */
export function money(minor: number, currency: string): string {
  const digits = minorDigits(currency)
  const amount = minor / 10 ** digits
  const f = format(currency)
  return f ? f.format(amount) : `${amount.toFixed(digits)} ${currency}`
}

/** The amount in the currency's units as an admin types it: `toUnits(1800, 'USD')` -> `18.00`. */
export function toUnits(minor: number, currency: string): string {
  const digits = minorDigits(currency)
  const negative = minor < 0
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0')
  const whole = digits ? s.slice(0, s.length - digits) : s
  const frac = digits ? `.${s.slice(s.length - digits)}` : ''
  return `${negative ? '-' : ''}${whole}${frac}`
}

export type ParsedPrice = { ok: true; minor: number } | { ok: false; error: string }

/**
 * A price typed in the currency's units ("18", "18.5", "18.00", "1,234.50") as an exact integer
 * of minor units, parsed from the decimal text (never through a float: "0.29" is 29, not 28.999…).
 */
export function parsePrice(text: string, currency: string): ParsedPrice {
  const digits = minorDigits(currency)
  const t = text.trim().replace(/,(?=\d{3}(\D|$))/g, '')
  const example = digits ? `18.${'0'.repeat(digits)}` : '1800'
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t)
  if (!m) return { ok: false, error: `Enter the price as a number in ${currency.toUpperCase()}, e.g. ${example}.` }
  const frac = m[2] ?? ''
  if (frac.length > digits) {
    return {
      ok: false,
      error: digits
        ? `${currency.toUpperCase()} has ${digits} decimal${digits === 1 ? '' : 's'}: e.g. ${example}.`
        : `${currency.toUpperCase()} has no decimals: e.g. ${example}.`,
    }
  }
  const minor = Number(m[1] + frac.padEnd(digits, '0'))
  if (!Number.isSafeInteger(minor)) return { ok: false, error: 'That price is too large.' }
  return { ok: true, minor }
}
