import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'

const SITE = process.env.SAGAWAY_SITE_URL ?? ''
const API = process.env.SAGAWAY_API_URL ?? ''
const ADMIN = JSON.parse(readFileSync(process.env.SAGAWAY_ADMIN_FILE ?? '', 'utf8')) as {
  email: string
  password: string
}
const SCREENS = 'test-results/screens'

function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const r = await request.post(`${API}/v1/auth/login`, { data: ADMIN })
  expect(r.status()).toBe(200)
  return (await r.json()).token.token as string
}

/** A fresh product with `stock`, created through the API as the admin. */
async function product(request: APIRequestContext, stock: number): Promise<{ id: string; name: string }> {
  const id = unique('e2e')
  const name = `Test ${id}`
  const r = await request.put(`${API}/v1/products/${id}`, {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { name, price_cents: 1500, stock },
  })
  expect(r.status()).toBe(200)
  return { id, name }
}

async function register(page: Page): Promise<void> {
  await page.goto(`${SITE}#/register`)
  await page.getByLabel('Name').fill('E2E Shopper')
  await page.getByLabel('Email').fill(`${unique('shopper')}@example.com`)
  await page.getByLabel(/^Password/).fill('correct horse battery')
  await page.getByRole('button', { name: 'Register' }).click()
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible()
}

async function buy(page: Page, p: { id: string; name: string }, card: string): Promise<void> {
  await page.goto(`${SITE}#/`)
  await page.getByRole('button', { name: `Add ${p.name} to cart` }).click()
  await page.getByRole('link', { name: /^Cart/ }).click()
  await page.getByLabel(new RegExp(`^${card}`)).check()
  await page.getByRole('button', { name: 'Place order' }).click()
  await expect(page).toHaveURL(/#\/orders\/o-/)
}

async function stockShown(page: Page, id: string): Promise<string> {
  await page.goto(`${SITE}#/`)
  return (await page.locator(`tr[data-product="${id}"] .stock`).textContent()) ?? ''
}

test('buy with the success card and watch the timeline reach CONFIRMED live', async ({ page, request }) => {
  const p = await product(request, 5)
  await register(page)
  await buy(page, p, '4242424242424242')
  await expect(page.getByTestId('status')).toHaveText('CONFIRMED')
  await expect(page.getByTestId('timeline').locator('li')).toHaveCount(4)
  await expect(page.getByText('· live')).toBeVisible()
  await page.screenshot({ path: `${SCREENS}/confirmed.png`, fullPage: true })
  expect(await stockShown(page, p.id)).toBe('4')
})

test('buy with the decline card: CANCELLED with the reason, stock restored', async ({ page, request }) => {
  const p = await product(request, 4)
  await register(page)
  await buy(page, p, '4000000000000002')
  await expect(page.getByTestId('status')).toHaveText('CANCELLED')
  await expect(page.getByTestId('reason')).toContainText('declined')
  await expect(page.getByTestId('timeline').locator('li[data-status="COMPENSATING"]')).toBeVisible()
  await expect(page.getByText(/Undone: .*release stock/)).toBeVisible()
  await page.screenshot({ path: `${SCREENS}/declined.png`, fullPage: true })
  expect(await stockShown(page, p.id)).toBe('4')
})

test('cancel an order before it is paid', async ({ page, request }) => {
  const p = await product(request, 3)
  await register(page)
  // The processing-error card keeps the order before payment for several seconds.
  await buy(page, p, '4000000000000119')
  await page.getByRole('button', { name: 'Cancel order' }).click()
  await expect(page.getByTestId('status')).toHaveText('CANCELLED')
  await expect(page.getByTestId('reason')).toContainText('changed my mind')
  await expect(page.getByText(/Undone: .*release stock/)).toBeVisible()
  await page.screenshot({ path: `${SCREENS}/cancelled.png`, fullPage: true })
  await page.getByRole('link', { name: 'Orders' }).click()
  await expect(page.getByTestId('notifications')).toContainText('Your order was cancelled')
  expect(await stockShown(page, p.id)).toBe('3')
})

test('an admin changes stock and a shopper sees it', async ({ browser, request }) => {
  const p = await product(request, 2)
  const adminPage = await (await browser.newContext()).newPage()
  await adminPage.goto(`${SITE}#/login`)
  await adminPage.getByLabel('Email').fill(ADMIN.email)
  await adminPage.getByLabel('Password').fill(ADMIN.password)
  await adminPage.getByRole('button', { name: 'Log in' }).click()
  await adminPage.getByRole('link', { name: 'Admin' }).click()
  await adminPage.getByLabel(`Stock of ${p.name}`, { exact: true }).fill('42')
  await adminPage.getByRole('button', { name: `Save stock of ${p.name}` }).click()
  await expect(adminPage.getByText(`Stock of ${p.name} saved.`)).toBeVisible()
  await adminPage.screenshot({ path: `${SCREENS}/admin.png`, fullPage: true })

  const shopper = await (await browser.newContext()).newPage()
  expect(await stockShown(shopper, p.id)).toBe('42')
  await shopper.screenshot({ path: `${SCREENS}/shopper-sees-stock.png`, fullPage: true })
})

test('a wrong password is explained and a shopper cannot open the admin page', async ({ page }) => {
  await page.goto(`${SITE}#/login`)
  await page.getByLabel('Email').fill('nobody@example.com')
  await page.getByLabel('Password').fill('wrong password!')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toHaveText('The email or the password is wrong.')
  await register(page)
  await page.goto(`${SITE}#/admin`)
  await expect(page.getByRole('heading', { name: 'Catalog' })).toBeVisible()
})
