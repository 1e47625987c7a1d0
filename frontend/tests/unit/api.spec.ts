import { beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  ApiError,
  api,
  request,
  useToken,
  type Notification,
  type OrderAccepted,
  type Problem,
  type Reply,
  type SagaState,
  type Session,
} from '../../src/lib/api'
import { setConfig } from '../../src/lib/config'

const PROBLEM = { 'content-type': 'application/problem+json' }
const JSON_TYPE = { 'content-type': 'application/json' }

function answer(status: number, body: unknown, headers: Record<string, string> = JSON_TYPE) {
  return vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status, headers }))
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError)
    return e as ApiError
  }
  throw new Error('the request did not fail')
}

describe('API errors', () => {
  beforeEach(() => {
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    useToken(() => null, () => {})
    vi.restoreAllMocks()
  })

  it('a problem+json with several invalid fields keeps every field and shows the detail', async () => {
    const problem: Problem = {
      type: 'urn:sagaway:problem:validation_failed',
      title: 'Unprocessable Entity',
      status: 422,
      code: 'validation_failed',
      detail: '2 fields are invalid: name: must be 1–100 characters; password: must be 10–128 characters',
      errors: [
        { field: 'name', message: 'must be 1–100 characters' },
        { field: 'password', message: 'must be 10–128 characters' },
      ],
    }
    vi.stubGlobal('fetch', answer(422, problem, { 'content-type': 'application/problem+json; charset=utf-8' }))
    const e = await failure(api('post', '/v1/customers', { body: { name: '', email: 'a@b.co', password: 'short' } }))
    expect(e.status).toBe(422)
    expect(e.code).toBe('validation_failed')
    expect(e.message).toBe(problem.detail)
    expect(e.errors).toEqual(problem.errors)
    expect(e.fieldMessage('password')).toBe('must be 10–128 characters')
    expect(e.fieldMessage('email')).toBeUndefined()
    expect(e.problem?.type).toBe('urn:sagaway:problem:validation_failed')
  })

  it('a known code gets words a shopper understands; further members stay readable', async () => {
    vi.stubGlobal(
      'fetch',
      answer(
        422,
        {
          type: 'urn:sagaway:problem:idempotency_key_reused', title: 'Unprocessable Entity', status: 422,
          code: 'idempotency_key_reused', detail: 'this Idempotency-Key already placed order o-1 with a different body', order_id: 'o-1',
        },
        PROBLEM,
      ),
    )
    const e = await failure(request('POST', '/v1/orders', {}))
    expect(e.code).toBe('idempotency_key_reused')
    expect(e.message).toContain('already placed order o-1')
    expect(e.errors).toEqual([])
    expect(e.problem?.order_id).toBe('o-1')

    vi.stubGlobal('fetch', answer(409, { type: 'urn:sagaway:problem:email_taken', title: 'Conflict', status: 409, code: 'email_taken', detail: 'x' }, PROBLEM))
    expect((await failure(request('POST', '/v1/customers', {}))).message).toBe('An account with this email already exists. Please log in.')
  })

  it("API Gateway's own {message} answers fall back to the HTTP status", async () => {
    vi.stubGlobal('fetch', answer(401, { message: 'Unauthorized' }))
    let e = await failure(api('get', '/v1/orders'))
    expect(e.status).toBe(401)
    expect(e.code).toBe('unauthenticated')
    expect(e.message).toBe('Please log in first.')
    expect(e.problem).toBeNull()

    vi.stubGlobal('fetch', answer(404, { message: 'Not Found' }))
    e = await failure(request('GET', '/v1/nowhere'))
    expect([e.code, e.message]).toEqual(['not_found', 'Not Found'])

    vi.stubGlobal('fetch', answer(429, { message: 'Too Many Requests' }))
    e = await failure(request('GET', '/v1/products'))
    expect(e.code).toBe('too_many_requests')
    expect(e.message).toMatch(/busy/)

    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })))
    e = await failure(request('GET', '/v1/products'))
    expect([e.code, e.message]).toEqual(['unavailable', 'The service is unavailable right now. Please try again.'])
  })

  it('a 503 problem keeps its code but tells the shopper to retry', async () => {
    vi.stubGlobal('fetch', answer(503, { type: 'urn:sagaway:problem:workflow_engine_unavailable', title: 'Service Unavailable', status: 503, code: 'workflow_engine_unavailable', detail: 'temporal down' }, PROBLEM))
    const e = await failure(request('POST', '/v1/orders', {}))
    expect(e.code).toBe('workflow_engine_unavailable')
    expect(e.message).toBe('The service is unavailable right now. Please try again.')
  })

  it('a rejected token logs out (with the code), a missing one does not', async () => {
    const unauthorized = vi.fn()
    vi.stubGlobal('fetch', answer(401, { message: 'Unauthorized' }))
    useToken(() => null, unauthorized)
    await failure(request('GET', '/v1/orders'))
    expect(unauthorized).not.toHaveBeenCalled()
    vi.stubGlobal('fetch', answer(401, { type: 'urn:sagaway:problem:token_expired', title: 'Unauthorized', status: 401, code: 'token_expired', detail: 'the token expired' }, PROBLEM))
    useToken(() => 'tkn', unauthorized)
    const e = await failure(request('GET', '/v1/orders'))
    expect(unauthorized).toHaveBeenCalledWith('token_expired')
    expect(e.message).toBe('Your session has expired. Please log in again.')
  })

  it('a network failure and an unreadable answer are errors too', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('failed to fetch'))))
    expect((await failure(request('GET', '/v1/products'))).code).toBe('network')
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"items": [', { status: 200, headers: JSON_TYPE })))
    expect((await failure(request('GET', '/v1/products'))).code).toBe('invalid_response')
  })
})

describe('typed API client', () => {
  beforeEach(() => {
    setConfig({ apiUrl: 'http://api.test', wsUrl: 'ws://ws.test' })
    useToken(() => 'tkn', () => {})
  })

  it('fills the path, the query, the headers and the body of a route', async () => {
    const accepted = {
      order_id: 'o-1', status: 'PENDING', total_cents: 1200, currency: 'USD', card: { brand: 'visa', last4: '4242' }, repeated: false,
      links: { order: '/v1/orders/o-1', saga: '/v1/orders/o-1/saga', cancel: '/v1/orders/o-1/cancel' },
    }
    const fetchMock = answer(202, accepted)
    vi.stubGlobal('fetch', fetchMock)
    const reply = await api('post', '/v1/orders', {
      body: { lines: [{ product_id: 'mug', quantity: 1 }], card_number: '4242424242424242' },
      headers: { 'Idempotency-Key': 'k-1' },
    })
    expect(reply.links.saga).toBe('/v1/orders/o-1/saga')
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('http://api.test/v1/orders')
    expect(init?.method).toBe('POST')
    expect(init?.headers).toMatchObject({ 'Idempotency-Key': 'k-1', authorization: 'Bearer tkn', 'content-type': 'application/json' })
    expect(JSON.parse(String(init?.body))).toEqual({ lines: [{ product_id: 'mug', quantity: 1 }], card_number: '4242424242424242' })

    await api('get', '/v1/orders/{id}/saga', { path: { id: 'o/1 x' } })
    expect(fetchMock.mock.calls[1][0]).toBe('http://api.test/v1/orders/o%2F1%20x/saga')
    await api('get', '/v1/products', { query: { limit: 100, cursor: undefined } })
    expect(fetchMock.mock.calls[2][0]).toBe('http://api.test/v1/products?limit=100')
    expect(fetchMock.mock.calls[2][1]?.body).toBeUndefined()
  })

  it('is typed by the contract (checked by vue-tsc)', () => {
    expectTypeOf<Reply<'/v1/orders', 'post'>>().toEqualTypeOf<OrderAccepted>()
    expectTypeOf<Reply<'/v1/orders/{id}/saga', 'get'>>().toEqualTypeOf<SagaState>()
    expectTypeOf<Reply<'/v1/auth/login', 'post'>>().toEqualTypeOf<Session>()
    expectTypeOf<Reply<'/v1/notifications', 'get'>['items'][number]>().toEqualTypeOf<Notification>()
    function misuses() {
      // @ts-expect-error: not a route of the API
      void api('get', '/v1/nowhere')
      // @ts-expect-error: the route takes no DELETE
      void api('delete', '/v1/orders')
      // @ts-expect-error: the body misses card_number
      void api('post', '/v1/orders', { body: { lines: [] } })
      // @ts-expect-error: the path needs its id
      void api('get', '/v1/orders/{id}')
      // @ts-expect-error: no such query parameter
      void api('get', '/v1/products', { query: { limt: 1 } })
    }
    expect(typeof misuses).toBe('function')
  })
})
