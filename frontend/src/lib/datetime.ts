// Dates and times in the shopper's own locale and time zone (Intl.DateTimeFormat).

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const withSecondsFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

function valid(iso: string): Date | null {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "Nov 28, 2026, 11:42 AM" (in the browser's locale); the input unchanged if it is no date. */
export function dateTime(iso: string): string {
  const d = valid(iso)
  return d ? dateTimeFormat.format(d) : iso
}

/** As dateTime, with seconds: for the steps of a saga, which are seconds apart. */
export function dateTimeSeconds(iso: string): string {
  const d = valid(iso)
  return d ? withSecondsFormat.format(d) : iso
}
