import { config } from './config'
import type { components, paths } from './api-schema'

// Every type the web app exchanges with the API comes from src/lib/api-schema.ts, which
// `npm run gen:api` (`make openapi`) generates from docs/openapi.json: a change of the contract
// breaks the type check (`npm run typecheck`, which also fails when that file is stale).
export type Schemas = components['schemas']
export type Problem = Schemas['Problem']
export type FieldError = Schemas['FieldError']
export type Product = Schemas['Product']
export type Customer = Schemas['Customer']
export type Session = Schemas['Session']
export type Order = Schemas['Order']
export type OrderStatus = Schemas['OrderStatus']
export type StatusChange = Schemas['StatusChange']
export type OrderAccepted = Schemas['OrderAccepted']
export type CancelAccepted = Schemas['CancelAccepted']
export type SagaState = Schemas['SagaState']
export type SagaStep = Schemas['SagaStep']
export type Compensation = Schemas['Compensation']
export type Notification = Schemas['Notification']
export type TestCard = Schemas['TestCard']
export type CardSummary = Schemas['CardSummary']

export type Address = Schemas['Address']

/** A product as the shop shows it (its `category` and `image_url` included). */
export type ShopProduct = Product
/** A category of the catalog (`GET /v1/categories`): its id and the name shoppers see. */
export type Category = Schemas['Category']
export type CategoryId = Schemas['ProductCategory']
export type ImageContentType = Schemas['ImageContentType']

/**
 * The URL of a product's image: the API names it relative to the web app's root
 * (`images/products/ceramic-mug.svg`), so it is resolved against the app's own location;
 * null when the product has none (the shop shows a placeholder).
 */
export function productImageUrl(p: { image_url?: string | null }, base: string = document.baseURI): string | null {
  if (!p.image_url) return null
  try {
    return new URL(p.image_url, base).href
  } catch {
    return null
  }
}

// An API error in words a shopper understands, with the API's code, every invalid field and
// the whole problem kept for the program.
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    /** Every invalid field of the request (`errors` of a validation problem), in its order. */
    public errors: FieldError[] = [],
    /** The RFC 9457 problem as the API sent it, when it sent one. */
    public problem: Problem | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The message of one invalid field, if the API named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message
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
  too_many_requests: 'The shop is busy right now. Please wait a moment and try again.',
}

export function friendly(code: string, fallback: string): string {
  return FRIENDLY[code] ?? fallback
}

const UNAVAILABLE = 'The service is unavailable right now. Please try again.'

/** The code of an error without a problem body (API Gateway's own `{"message": ...}`). */
function codeForStatus(status: number): string {
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 429) return 'too_many_requests'
  if (status >= 500) return 'unavailable'
  return 'error'
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isFieldError(v: unknown): v is FieldError {
  return isObject(v) && typeof v.field === 'string' && typeof v.message === 'string'
}

/** The API's RFC 9457 problem (`application/problem+json`): a `code` and a `detail`. */
export function isProblem(v: unknown): v is Problem {
  return isObject(v) && typeof v.code === 'string' && typeof v.detail === 'string'
}

/** The error for a response that is not 2xx, from its (parsed) body. */
export function toApiError(status: number, data: unknown): ApiError {
  if (isObject(data) && typeof data.code === 'string') {
    // The API's problem: `detail` says what happened, `errors` names every invalid field.
    const detail = typeof data.detail === 'string' && data.detail ? data.detail : 'Something went wrong.'
    const errors = Array.isArray(data.errors) ? data.errors.filter(isFieldError) : []
    const message = status >= 500 ? UNAVAILABLE : friendly(data.code, detail)
    return new ApiError(status, data.code, message, errors, isProblem(data) ? data : null)
  }
  // Not a problem: API Gateway answers some requests itself with `{"message": "..."}`
  // (401 without an Authorization header, 404 for an unknown path, 429 when throttling).
  const code = codeForStatus(status)
  const gateway = isObject(data) && typeof data.message === 'string' && data.message ? data.message : null
  const message = status >= 500 ? UNAVAILABLE : friendly(code, gateway ?? 'Something went wrong.')
  return new ApiError(status, code, message)
}

type TokenSource = () => string | null
let tokenSource: TokenSource = () => null
let onUnauthorized: (code: string) => void = () => {}

export function useToken(source: TokenSource, unauthorized: (code: string) => void): void {
  tokenSource = source
  onUnauthorized = unauthorized
}

/** `application/json`, `application/problem+json` and any other `+json` type. */
function isJsonType(contentType: string | null): boolean {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase()
  return t === 'application/json' || t.endsWith('+json')
}

/** One HTTP request; answers the parsed JSON body of a 2xx, throws an ApiError otherwise. */
export async function request(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
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
  let data: unknown = null
  let parsed = false
  try {
    data = text ? JSON.parse(text) : null
    parsed = true
  } catch {
    data = null
  }
  if (!res.ok) {
    const error = toApiError(res.status, data)
    if (res.status === 401 && token) onUnauthorized(error.code)
    throw error
  }
  if (!parsed && isJsonType(res.headers.get('content-type'))) {
    throw new ApiError(res.status, 'invalid_response', 'The shop sent an answer it could not read. Please try again.')
  }
  return data
}

// The typed client: the path, its parameters, the body and the answer all come from `paths`.
type Method = 'get' | 'put' | 'post' | 'delete' | 'patch'
/** The methods a path answers. */
export type MethodOf<P extends keyof paths> = {
  [M in Method]-?: paths[P][M] extends { responses: unknown } ? M : never
}[Method]
type Operation<P extends keyof paths, M extends MethodOf<P>> = paths[P][M]
type Json<C> = C extends { content: { 'application/json': infer B } } ? B : never
type Success<O> = O extends { responses: infer R }
  ? { [K in keyof R]: K extends 200 | 201 | 202 ? Json<R[K]> : never }[keyof R]
  : never
type BodyOption<O> = O extends { requestBody: infer R }
  ? { body: Json<R> }
  : O extends { requestBody?: infer R }
    ? [R] extends [undefined] ? { body?: never } : { body?: Json<NonNullable<R>> }
    : { body?: never }
type ParamOption<O, In extends 'path' | 'query' | 'header', Key extends string> = O extends {
  parameters: { [K in In]: infer V }
}
  ? { [K in Key]: V }
  : O extends { parameters: { [K in In]?: infer V } }
    ? [V] extends [undefined] ? { [K in Key]?: never } : { [K in Key]?: V }
    : { [K in Key]?: never }
export type Options<O> = BodyOption<O> &
  ParamOption<O, 'path', 'path'> &
  ParamOption<O, 'query', 'query'> &
  ParamOption<O, 'header', 'headers'>
type Args<O> = object extends Options<O> ? [options?: Options<O>] : [options: Options<O>]
/** The answer of a route, e.g. `Reply<'/v1/orders', 'post'>` is `OrderAccepted`. */
export type Reply<P extends keyof paths, M extends MethodOf<P>> = Success<Operation<P, M>>

/** `/v1/orders/{id}` with `{id: 'o-1'}` -> `/v1/orders/o-1`, plus the query string. */
export function url(template: string, path?: Record<string, unknown>, query?: Record<string, unknown>): string {
  let out = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = path?.[name]
    if (v === undefined || v === null) throw new Error(`the path ${template} needs ${name}`)
    return encodeURIComponent(String(v))
  })
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) q.set(k, String(v))
  const qs = q.toString()
  if (qs) out += `?${qs}`
  return out
}

/**
 * Calls a route of the API as `docs/openapi.json` describes it, e.g.
 * `api('post', '/v1/orders', { body, headers: { 'Idempotency-Key': key } })` answers an
 * `OrderAccepted`; an error answer throws an ApiError.
 */
export async function api<P extends keyof paths, M extends MethodOf<P>>(
  method: M,
  path: P,
  ...[options]: Args<Operation<P, M>>
): Promise<Reply<P, M>> {
  const o: {
    body?: unknown
    path?: Record<string, unknown>
    query?: Record<string, unknown>
    headers?: Record<string, unknown>
  } = (options as unknown as object | undefined) ?? {}
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined && v !== null) headers[k] = String(v)
  return (await request(method.toUpperCase(), url(path, o.path, o.query), o.body, headers)) as Reply<P, M>
}
