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

/** A fresh product with `stock`, created through the API as the admin. */
export async function product(request: APIRequestContext, stock: number): Promise<{ id: string; name: string }> {
  const id = unique('e2e')
  const name = `Test ${id}`
  const r = await request.put(`${API}/v1/products/${id}`, {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { name, price_cents: 1500, stock },
  })
  expect(r.status()).toBe(200)
  return { id, name }
}

export async function register(page: Page): Promise<void> {
  await page.goto(`${SITE}#/register`)
  await page.getByLabel('Name').fill('E2E Shopper')
  await page.getByLabel('Email').fill(`${unique('shopper')}@example.com`)
  await page.getByLabel(/^Password/).fill('correct horse battery')
  await page.getByRole('button', { name: 'Register' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
}

export async function buy(page: Page, p: { id: string; name: string }, card: string): Promise<void> {
  await page.goto(`${SITE}#/`)
  await page.getByRole('button', { name: `Add ${p.name} to cart` }).click()
  await page.getByRole('link', { name: /^Cart/ }).click()
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
