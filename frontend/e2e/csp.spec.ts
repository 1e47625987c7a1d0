import { expect, test as base } from '@playwright/test'
import { SITE, buy, product, register } from './support'

// The shop under the Content-Security-Policy CloudFront sends on AWS (infra/cloudfront.tf; the
// terraform output content_security_policy, which tests/system.sh passes as SAGAWAY_CSP). The
// local stack sends no such header, so the tests add it to every document the browser loads.
// The local site is plain http: upgrade-insecure-requests would turn the app's own requests
// into https ones that nothing answers, so that one directive is left out; every other one is
// served exactly as CloudFront sends it.
const POLICY = (process.env.SAGAWAY_CSP ?? '')
  .split(';')
  .map((d) => d.trim())
  .filter((d) => d && d !== 'upgrade-insecure-requests')
  .join('; ')

/**
 * Every test's page is served under POLICY and fails on anything the browser refuses under it:
 * each `securitypolicyviolation` event (passed out through a binding at once, so a navigation
 * loses none) and each console message about the policy (Chrome also logs there what raises no
 * event: a directive or a source it cannot parse). Checked after the test, also when the test
 * failed first: a journey the policy broke then says what was refused.
 */
const test = base.extend<{ underPolicy: void }>({
  underPolicy: [
    async ({ page }, use) => {
      expect(POLICY, 'SAGAWAY_CSP: the policy CloudFront sends (terraform output content_security_policy)').toContain("default-src 'self'")
      const refused: string[] = []
      await page.exposeFunction('reportCspViolation', (v: string) => refused.push(v))
      await page.addInitScript(() => {
        addEventListener('securitypolicyviolation', (e) => {
          const report = (window as unknown as { reportCspViolation: (v: string) => void }).reportCspViolation
          report(`${e.effectiveDirective} refused ${e.blockedURI}${e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : ''}`)
        })
      })
      page.on('console', (m) => {
        if (/Content.Security.Policy/i.test(m.text())) refused.push(`console ${m.type()}: ${m.text()}`)
      })
      await page.route('**/*', async (route) => {
        if (route.request().resourceType() !== 'document') return route.fallback()
        const response = await route.fetch()
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': POLICY } })
      })
      await use()
      expect(refused, 'what the browser refused under the CloudFront CSP').toEqual([])
    },
    { auto: true },
  ],
})

// A document that page.route fulfils comes from no network address, so Chromium counts it as
// public and, by its Local Network Access checks, blocks its WebSocket to 127.0.0.1 (the
// app's same-origin fetches pass). On AWS page and APIs are all public; here the permission
// lets the WebSocket through, so that only the policy decides.
test.use({ permissions: ['local-network-access'] })

test('under the CloudFront CSP a shopper browses, buys with the OK card, sees field errors and the orders, and nothing is refused', async ({ page, request }) => {
  const p = await product(request, 5)
  const doc = await page.goto(`${SITE}#/`)
  expect(doc?.headers()['content-security-policy']).toBe(POLICY)

  // The catalog (seeded products with their images) and the product's page; a product without
  // an image shows a placeholder tinted by a style binding.
  await expect(page.getByTestId('product-grid').locator('li').first()).toBeVisible()
  await register(page)
  await page.goto(`${SITE}#/products/${p.id}`)
  await expect(page.getByRole('heading', { level: 1, name: p.name })).toBeVisible()
  await expect(page.getByTestId('placeholder')).not.toHaveCSS('background-color', 'rgba(0, 0, 0, 0)')

  // The cart, the checkout (its address fields) and the order page, whose saga diagram follows
  // the order over the WebSocket API until it is confirmed.
  await buy(page, p, '4242424242424242')
  await expect(page.getByText('Live updates on')).toBeVisible()
  await expect(page.getByTestId('status')).toHaveText('Order confirmed')

  // An error the API explains field by field (ProblemAlert's list).
  await page.getByRole('link', { name: 'Profile' }).click()
  await page.getByLabel('Postal code').fill('9'.repeat(30))
  await page.getByRole('button', { name: 'Save profile' }).click()
  await expect(page.getByTestId('field-errors')).toHaveText('Shipping address, postal code: must be 1 to 20 characters')

  await page.getByRole('link', { name: 'Orders', exact: true }).click()
  await expect(page.getByTestId('orders').locator('li')).toHaveCount(1)
  await expect(page.getByTestId('orders')).toContainText('Order confirmed')
})
