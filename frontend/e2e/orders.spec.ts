import { expect, test, type Page } from '@playwright/test'
import { ADDRESS, SITE, buy, checkPage, loginAsAdmin, product, register } from './support'

// The order side of the shop: the order page with its live saga diagram, cancelling, going
// from one order to another, an unknown order, the orders list. Each test makes its own
// products and shopper, so it depends on no other test and no existing data.

const OK = '4242424242424242'
const DECLINE = '4000000000000002'
const TRANSIENT = '4000000000000119'

/** The order id of the order page shown now, and its short number (`#09A4810A`). */
function shown(page: Page): { id: string; number: string } {
  const id = /#\/orders\/(o-[0-9a-z]+)/.exec(page.url())?.[1] ?? ''
  expect(id, 'the order page URL names an order').not.toBe('')
  return { id, number: `#${id.slice(2, 10).toUpperCase()}` }
}

function node(page: Page, step: string) {
  return page.getByTestId('saga-steps').locator(`li[data-step="${step}"]`)
}

test('buy with the OK card and watch the saga diagram reach confirmed live', async ({ page, request }, testInfo) => {
  const p = await product(request, 5)
  await register(page)
  await buy(page, p, OK)
  const { id, number } = shown(page)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${number}`)
  await expect(page.getByTestId('order-id')).toHaveText(id)
  await expect(page.getByText('Live updates on')).toBeVisible()
  await expect(page.getByTestId('status')).toHaveText('Order confirmed')
  await expect(page.getByTestId('status-detail')).toHaveText(/confirmed/i)
  for (const step of ['reserve_stock', 'charge_payment', 'confirm']) {
    await expect(node(page, step)).toHaveAttribute('data-state', 'done')
    await expect(node(page, step)).toContainText('Done')
  }
  await expect(page.getByTestId('saga-summary')).toHaveText('All steps done: the order is confirmed.')
  await expect(page.getByTestId('compensations')).toHaveCount(0)
  // Product names, not ids; money in the order's currency; date and time.
  // (the name, not the id: the id would show if the product could not be read)
  await expect(page.getByTestId('lines').locator('.line-name')).toHaveText([p.name])
  await expect(page.getByTestId('total')).toHaveText('$15.00')
  await expect(page.getByTestId('placed')).toHaveText(/\d{4}/)
  // The address of the checkout's address step, carried by the order.
  await expect(page.getByTestId('shipping')).toContainText(ADDRESS.line1)
  await expect(page.getByTestId('shipping')).toContainText(`${ADDRESS.postal_code} ${ADDRESS.city}`)
  await expect(page.getByTestId('timeline').locator('li')).toHaveCount(4)
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0)
  await checkPage(page, testInfo, 'order-confirmed')
})

test('the DECLINE card: charge failed, and only the compensations that ran (no refund)', async ({ page, request }, testInfo) => {
  const p = await product(request, 4)
  await register(page)
  await buy(page, p, DECLINE)
  await expect(page.getByTestId('status')).toHaveText('Order cancelled')
  await expect(node(page, 'reserve_stock')).toHaveAttribute('data-state', 'done')
  await expect(node(page, 'charge_payment')).toHaveAttribute('data-state', 'failed')
  await expect(node(page, 'charge_payment')).toContainText(/Failed.*declined/)
  await expect(node(page, 'confirm')).toHaveAttribute('data-state', 'skipped')
  await expect(page.getByTestId('compensations').locator('li')).toHaveText([/Release stock\s*Done/, /Cancel order\s*Done/])
  await expect(page.getByTestId('no-refund')).toHaveText('Nothing to refund: the card was never charged.')
  await expect(page.getByTestId('saga')).not.toContainText(/refund payment/i)
  await expect(page.getByTestId('reason')).toContainText('declined')
  await checkPage(page, testInfo, 'order-declined')
})

test('the TRANSIENT card: the charge runs and is retried; cancel asks, shows "Cancelling…", then cancelled', async ({ page, request }, testInfo) => {
  const p = await product(request, 3)
  await register(page)
  // The provider fails this card's first 3 attempts: the charge is retried for several seconds.
  await buy(page, p, TRANSIENT)
  const { number } = shown(page)
  await expect(node(page, 'reserve_stock')).toHaveAttribute('data-state', 'done')
  await expect(node(page, 'charge_payment')).toHaveAttribute('data-state', 'running')
  // Temporal retries the charge: the node says which attempt it is on (SagaState.attempt).
  await expect(node(page, 'charge_payment')).toContainText(/Running, attempt [2-9]/, { timeout: 15_000 })
  await expect(page.getByTestId('saga-summary')).toContainText(/Now: charge payment, attempt [2-9]/)

  await page.getByRole('button', { name: 'Cancel order' }).click()
  const confirm = page.getByRole('group', { name: `Cancel order ${number}?` })
  await expect(confirm).toBeVisible()
  await expect(confirm).toBeFocused()
  await checkPage(page, testInfo, 'order-cancel-confirm')
  await confirm.getByRole('button', { name: 'Yes, cancel the order' }).click()
  const busy = page.getByRole('button', { name: 'Cancelling…' })
  await expect(busy).toBeVisible()
  await expect(busy).toBeDisabled()
  await expect(page.getByTestId('cancel-requested')).toBeVisible()
  await checkPage(page, testInfo, 'order-cancelling')

  await expect(page.getByTestId('status')).toHaveText('Order cancelled')
  await expect(busy).toHaveCount(0)
  await expect(page.getByTestId('cancel-notice')).toHaveText('Your order is cancelled.')
  await expect(page.getByTestId('reason')).toContainText('changed my mind')
  // The cancellation took effect after the charge went through: it was refunded.
  await expect(node(page, 'charge_payment')).toHaveAttribute('data-state', 'done')
  await expect(node(page, 'confirm')).toHaveAttribute('data-state', 'skipped')
  await expect(page.getByTestId('compensations').locator('li')).toHaveText([
    /Refund payment\s*Done/,
    /Release stock\s*Done/,
    /Cancel order\s*Done/,
  ])
  await checkPage(page, testInfo, 'order-cancelled')
})

test('going from one order to another in the same tab shows each; the orders list', async ({ page, request }, testInfo) => {
  const a = await product(request, 5)
  const b = await product(request, 5)
  await register(page)
  await buy(page, a, OK)
  const first = shown(page)
  await expect(page.getByTestId('status')).toHaveText('Order confirmed')
  await buy(page, b, DECLINE)
  const second = shown(page)
  await expect(page.getByTestId('status')).toHaveText('Order cancelled')

  await page.getByRole('link', { name: 'Your orders' }).click()
  const list = page.getByTestId('orders')
  await expect(list.locator('li')).toHaveCount(2)
  const rowA = list.locator(`li[data-order="${first.id}"]`)
  const rowB = list.locator(`li[data-order="${second.id}"]`)
  await expect(rowA).toContainText('Order confirmed')
  await expect(rowA).toContainText('$15.00')
  await expect(rowA).toContainText('1 item')
  await expect(rowB).toContainText('Order cancelled')
  await checkPage(page, testInfo, 'orders')

  await rowA.getByRole('link', { name: `Order ${first.number}` }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${first.number}`)
  await expect(page.getByTestId('lines')).toContainText(a.name)
  // Straight to the other order in the same tab (the same page component is reused).
  await page.goto(`${SITE}#/orders/${second.id}`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${second.number}`)
  await expect(page.getByTestId('lines')).toContainText(b.name)
  await expect(page.getByTestId('lines')).not.toContainText(a.name)
  await expect(page.getByTestId('status')).toHaveText('Order cancelled')
  // The browser's back button: the first order again, with its own data.
  await page.goBack()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${first.number}`)
  await expect(page.getByTestId('status')).toHaveText('Order confirmed')
  await expect(page.getByTestId('lines')).toContainText(a.name)
  await expect(page.getByTestId('lines')).not.toContainText(b.name)
  await page.goForward()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Order ${second.number}`)
  await expect(page.getByTestId('lines')).toContainText(b.name)
})

test('an unknown order id shows "Order not found" with a way back to the orders list', async ({ page }, testInfo) => {
  await register(page)
  await page.goto(`${SITE}#/orders/o-0000000000000000deadbeef`)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Order not found')
  await expect(page.getByTestId('not-found')).toContainText('o-0000000000000000deadbeef')
  await checkPage(page, testInfo, 'order-not-found')
  await page.getByTestId('not-found').getByRole('link', { name: 'your orders' }).click()
  await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible()
})

test('the admin orders overview: every order, filtered by status, with links', async ({ browser, page, request }, testInfo) => {
  // A shopper (in a context of its own) places a confirmed and a cancelled order.
  const shopper = await (await browser.newContext()).newPage()
  const p = await product(request, 5)
  await register(shopper)
  await buy(shopper, p, OK)
  const confirmed = shown(shopper)
  await expect(shopper.getByTestId('status')).toHaveText('Order confirmed')
  await buy(shopper, p, DECLINE)
  const cancelled = shown(shopper)
  await expect(shopper.getByTestId('status')).toHaveText('Order cancelled')
  await shopper.context().close()

  await loginAsAdmin(page)
  await page.getByRole('link', { name: 'All orders' }).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('All orders')
  const rows = page.getByTestId('admin-orders').locator(':scope > li')
  await expect(rows.first()).toBeVisible()

  const filter = page.getByLabel('Status')
  await filter.selectOption({ label: 'Order confirmed' })
  await expect(page).toHaveURL(/status=CONFIRMED/)
  const mine = page.locator(`li[data-order="${confirmed.id}"]`)
  await expect(mine).toBeVisible()
  await expect(mine).toContainText(confirmed.number)
  await expect(mine).toContainText('Order confirmed')
  await expect(mine).toContainText('$15.00')
  await expect(page.locator(`li[data-order="${cancelled.id}"]`)).toHaveCount(0)
  for (const s of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))) expect(s).toBe('CONFIRMED')

  // The saga's link to the Temporal UI, when config.json names one.
  const cfg = (await (await request.get(new URL('config.json', SITE).href)).json()) as Record<string, string | undefined>
  const ui = (cfg.temporalUiUrl ?? cfg.temporal_ui_url ?? '').replace(/\/+$/, '')
  const temporal = mine.getByRole('link', { name: /Open in Temporal UI/ })
  if (ui) {
    const ns = cfg.temporalNamespace ?? cfg.temporal_namespace ?? 'default'
    await expect(temporal).toHaveAttribute('href', `${ui}/namespaces/${ns}/workflows/order-${confirmed.id}`)
  } else {
    await expect(temporal).toHaveCount(0)
  }
  await checkPage(page, testInfo, 'admin-orders')

  await filter.selectOption({ label: 'Order cancelled' })
  await expect(page).toHaveURL(/status=CANCELLED/)
  await expect(page.locator(`li[data-order="${cancelled.id}"]`)).toContainText('Order cancelled')
  await expect(page.locator(`li[data-order="${confirmed.id}"]`)).toHaveCount(0)
  for (const s of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))) expect(s).toBe('CANCELLED')
  // The browser's back button: the previous filter again.
  await page.goBack()
  await expect(filter).toHaveValue('CONFIRMED')
  await expect(page.locator(`li[data-order="${confirmed.id}"]`)).toBeVisible()
})
