import { config } from './config'

// An API error in words a shopper understands, with the API's code kept for the program.
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message)
  }
}

const FRIENDLY: Record<string, string> = {
  out_of_stock: 'Sorry, not enough of that item is in stock.',
  card_declined: 'Your card was declined. Please try another card.',
  insufficient_funds: 'Your card has insufficient funds. Please try another card.',
  invalid_credentials: 'The email or the password is wrong.',
  email_taken: 'An account with this email already exists. Please log in.',
  token_expired: 'Your session has expired. Please log in again.',
  invalid_token: 'Your session is no longer valid. Please log in again.',
  unauthenticated: 'Please log in first.',
  not_cancellable: 'This order can no longer be cancelled.',
  forbidden: 'You are not allowed to do that.',
}

export function friendly(code: string, fallback: string): string {
  return FRIENDLY[code] ?? fallback
}

type TokenSource = () => string | null
let tokenSource: TokenSource = () => null
let onUnauthorized: (code: string) => void = () => {}

export function useToken(source: TokenSource, unauthorized: (code: string) => void): void {
  tokenSource = source
  onUnauthorized = unauthorized
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const h: Record<string, string> = { ...headers }
  const token = tokenSource()
  if (token) h.authorization = `Bearer ${token}`
  if (body !== undefined) h['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(config().apiUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', 'The shop cannot be reached right now. Please try again.')
  }
  const text = await res.text()
  let data: any = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!res.ok) {
    const code: string = data?.code ?? (res.status >= 500 ? 'unavailable' : 'error')
    let message: string = data?.message ?? data?.message ?? 'Something went wrong.'
    if (res.status >= 500) message = 'The service is unavailable right now. Please try again.'
    if (res.status === 401 && token) onUnauthorized(code)
    throw new ApiError(res.status, code, friendly(code, message))
  }
  return data as T
}
