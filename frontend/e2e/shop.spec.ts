import { expect, test, type Page } from '@playwright/test'
import { ADMIN, SCREENS, SITE, buy, product, register } from './support'

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
