import type { Address } from './api'

/** The address form's fields, as `Address` names them. */
export type AddressField = keyof Address

export interface AddressForm {
  line1: string
  line2: string
  city: string
  postal_code: string
  country: string
}

export const ADDRESS_LABELS: Record<AddressField, string> = {
  line1: 'Street and number',
  line2: 'Apartment, floor (optional)',
  city: 'City',
  postal_code: 'Postal code',
  country: 'Country code',
}

export function emptyAddress(): AddressForm {
  return { line1: '', line2: '', city: '', postal_code: '', country: '' }
}

export function toForm(a: Address | null | undefined): AddressForm {
  if (!a) return emptyAddress()
  return { line1: a.line1, line2: a.line2 ?? '', city: a.city, postal_code: a.postal_code, country: a.country }
}

/** The form as the API takes it: trimmed, the country upper case, no empty `line2`. */
export function toAddress(f: AddressForm): Address {
  const a: Address = {
    line1: f.line1.trim(),
    city: f.city.trim(),
    postal_code: f.postal_code.trim(),
    country: f.country.trim().toUpperCase(),
  }
  if (f.line2.trim()) a.line2 = f.line2.trim()
  return a
}

export function sameAddress(a: Address | null | undefined, b: Address | null | undefined): boolean {
  if (!a || !b) return !a && !b
  return a.line1 === b.line1 && (a.line2 ?? '') === (b.line2 ?? '') && a.city === b.city && a.postal_code === b.postal_code && a.country === b.country
}

/** What the browser can tell before asking the API (the API checks again and has the last word). */
export function checkAddress(f: AddressForm): Partial<Record<AddressField, string>> {
  const out: Partial<Record<AddressField, string>> = {}
  if (!f.line1.trim()) out.line1 = 'Enter the street and number.'
  if (!f.city.trim()) out.city = 'Enter the city.'
  if (!f.postal_code.trim()) out.postal_code = 'Enter the postal code.'
  if (!/^[A-Za-z]{2}$/.test(f.country.trim())) out.country = 'Enter the two-letter country code, e.g. US or DE.'
  return out
}

/** "United States" for `US` (empty when the code is not a region the browser knows). */
export function countryName(code: string): string {
  const c = code.trim().toUpperCase()
  if (!/^[A-Z]{2}$/.test(c)) return ''
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of(c)
    return name ?? ''
  } catch {
    return ''
  }
}

/**
 * The address fields named in an API problem: `shipping_address.postal_code` -> `postal_code`,
 * with the message a shopper reads at that field.
 */
export function addressErrors(errors: { field: string; message: string }[]): Partial<Record<AddressField, string>> {
  const out: Partial<Record<AddressField, string>> = {}
  for (const e of errors) {
    const m = /^shipping_address\.(line1|line2|city|postal_code|country)$/.exec(e.field)
    if (m) out[m[1] as AddressField] = `${ADDRESS_LABELS[m[1] as AddressField].replace(' (optional)', '')} ${e.message}.`.replace(/\.\.$/, '.')
  }
  return out
}
