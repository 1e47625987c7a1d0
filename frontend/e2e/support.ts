import AxeBuilder from '@axe-core/playwright'
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test'
import { readFileSync } from 'node:fs'

/**
 * Checks one page as a shopper sees it, in the test's project (desktop 1280x800 or phone
 * 390x844): axe finds no WCAG 2.1 A/AA violation, the page does not scroll sideways, and a
 * full-page screenshot is written to test-results/screens/<project>/<name>.png for a person to
 * look at. Call it once the page shows what it is meant to show (not while "Loading...").
 */
export async function checkPage(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  const violations = axe.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )
  expect(violations, `axe violations on ${name} (${testInfo.project.name})`).toEqual([])
  const sideways = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  expect(sideways, `${name} scrolls sideways by ${sideways}px (${testInfo.project.name})`).toBeLessThanOrEqual(0)
  await page.screenshot({ path: `${SCREENS}/${testInfo.project.name}/${name}.png`, fullPage: true })
}

// The stack under test (tests/system.sh sets these) and the journeys' shared steps.
export const SITE = process.env.SAGAWAY_SITE_URL ?? ''
export const API = process.env.SAGAWAY_API_URL ?? ''
export const ADMIN = JSON.parse(readFileSync(process.env.SAGAWAY_ADMIN_FILE ?? '', 'utf8')) as {
  email: string
  password: string
}
export const SCREENS = 'test-results/screens'

export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

export async function adminToken(request: APIRequestContext): Promise<string> {
  const r = await request.post(`${API}/v1/auth/login`, { data: ADMIN })
  expect(r.status()).toBe(200)
  return (await r.json()).token.token as string
}

export interface TestProduct {
  id: string
  name: string
}

/**
 * A fresh product with `stock`, created through the API as the admin (a unique id and name, so
 * a test never depends on the catalog's other products). `category` needs the catalog API.
 */
export async function product(
  request: APIRequestContext,
  stock: number,
  more: { price_cents?: number; currency?: string; category?: string; description?: string; name?: string } = {},
): Promise<TestProduct> {
  const id = unique('e2e')
  const name = more.name ?? `Test ${id}`
  const r = await request.put(`${API}/v1/products/${id}`, {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { name, price_cents: 1500, description: 'A product made by a browser test.', ...more, stock },
  })
  expect(r.status(), await r.text()).toBe(200)
  return { id, name }
}

/** Sets a product's stock through the API as the admin (as if others bought it meanwhile). */
export async function setStock(request: APIRequestContext, id: string, stock: number): Promise<void> {
  const r = await request.put(`${API}/v1/products/${id}/stock`, {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { stock },
  })
  expect(r.status(), await r.text()).toBe(200)
}

export async function register(page: Page, name = 'E2E Shopper'): Promise<string> {
  const email = `${unique('shopper')}@example.com`
  await page.goto(`${SITE}#/register`)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel(/^Password/).fill('correct horse battery')
  await page.getByRole('button', { name: 'Register' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
  return email
}

export async function login(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${SITE}#/login`)
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
}

/** A test address; the checkout keeps it in the shopper's profile. */
export const ADDRESS = { line1: '1 Test Street', city: 'Springfield', postal_code: '12345', country: 'US' }

/** Fills the shipping address at checkout unless the profile already gave one. */
export async function fillAddress(page: Page, a: typeof ADDRESS = ADDRESS): Promise<void> {
  const line1 = page.getByLabel('Street and number')
  await expect(line1).toBeVisible()
  if (await line1.inputValue()) return
  await line1.fill(a.line1)
  await page.getByLabel('City').fill(a.city)
  await page.getByLabel('Postal code').fill(a.postal_code)
  await page.getByLabel('Country code').fill(a.country)
}

/** The smallest PNG: one pixel. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/**
 * Buys one of `p` with a test card: its product page, add to cart, the cart, checkout (the
 * address step: filled when the profile has none), place the order; ends on the order page.
 */
export async function buy(page: Page, p: TestProduct, card: string): Promise<void> {
  await page.goto(`${SITE}#/products/${p.id}`)
  await page.getByRole('button', { name: `Add to cart: ${p.name}` }).click()
  await page.getByRole('link', { name: /^Cart/ }).click()
  await expect(page.locator(`[data-product="${p.id}"]`)).toBeVisible()
  await page.getByRole('link', { name: 'Go to checkout' }).click()
  await fillAddress(page)
  await page.getByLabel(new RegExp(`^${card}`)).check()
  await page.getByRole('button', { name: 'Place order' }).click()
  await expect(page).toHaveURL(/#\/orders\/o-/)
}


/** Logs the demo admin in on `page` (a page of its own context). */
export async function loginAsAdmin(page: Page): Promise<void> {
  await page.goto(`${SITE}#/login`)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
}
