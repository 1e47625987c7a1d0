import { expect, test, type Page } from '@playwright/test'
import { ADDRESS, ADMIN, API, SITE, TINY_PNG, adminToken, checkPage, login, product, register, setStock, unique } from './support'

/** The catalog, searched for one product by its (unique) name. */
async function searchFor(page: Page, name: string): Promise<void> {
  await page.getByLabel('Search products').fill(name)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.getByTestId('product-grid').locator('li')).toHaveCount(1)
}

test('a shopper browses, searches, filters, opens a product, fills the cart up to the stock and checks out with an address', async ({ page, request }, testInfo) => {
  const p = await product(request, 3, { category: 'drinkware', price_cents: 2450, name: `Mug ${unique('e2e')}` })
  await register(page)

  await page.goto(`${SITE}#/`)
  await expect(page.getByTestId('product-grid').locator('li').first()).toBeVisible()
  await checkPage(page, testInfo, 'catalog')

  await searchFor(page, p.name)
  const card = page.locator(`[data-product="${p.id}"]`)
  await expect(card.getByTestId('price')).toHaveText('$24.50')
  await expect(card.getByTestId('stock')).toHaveText('Only 3 left')
  await page.getByLabel('Category').selectOption('drinkware')
  await expect(page).toHaveURL(/category=drinkware/)
  await expect(card).toBeVisible()
  await checkPage(page, testInfo, 'catalog-search')
  // The same search in another category finds nothing.
  await page.getByLabel('Category').selectOption('coffee')
  await expect(page.getByText('No products match your search.')).toBeVisible()
  await page.getByLabel('Category').selectOption('drinkware')

  await card.getByRole('link', { name: p.name }).click()
  await expect(page.getByRole('heading', { level: 1, name: p.name })).toBeVisible()
  await expect(page.getByTestId('price')).toHaveText('$24.50')
  await checkPage(page, testInfo, 'product')

  // The quantity chooser offers the stock, no more.
  await expect(page.getByLabel('Quantity').locator('option')).toHaveCount(3)
  await page.getByLabel('Quantity').selectOption('2')
  await page.getByRole('button', { name: `Add to cart: ${p.name}` }).click()
  const toast = page.getByTestId('toast').filter({ hasText: `2 × ${p.name} added to your cart` })
  await expect(toast).toBeInViewport()
  await expect(page.getByTestId('cart-count')).toHaveText('2')
  await checkPage(page, testInfo, 'product-added')
  await toast.getByRole('button', { name: /^Dismiss/ }).click()
  await expect(toast).toHaveCount(0)
  await page.getByRole('button', { name: `Add to cart: ${p.name}` }).click()
  await expect(page.getByTestId('cart-full')).toHaveText('Your cart holds all 3 in stock.')

  // Meanwhile others bought some: the cart lowers the line to what is left and says so.
  await setStock(request, p.id, 2)
  await page.getByRole('link', { name: /^Cart/ }).click()
  const line = page.locator(`[data-product="${p.id}"]`)
  await expect(line.getByTestId('line-note')).toHaveText('Only 2 available: the quantity was lowered to 2.')
  await expect(line.getByLabel(`Quantity of ${p.name}`)).toHaveValue('2')
  await expect(line.getByRole('button', { name: `One more ${p.name}` })).toBeDisabled()
  await expect(page.getByTestId('cart-total')).toHaveText('$49.00')
  await checkPage(page, testInfo, 'cart')

  await page.getByRole('link', { name: 'Go to checkout' }).click()
  await expect(page.getByLabel('Street and number')).toHaveValue('')
  // Nothing filled: the browser says what is missing at each field.
  await page.getByRole('button', { name: 'Place order' }).click()
  await expect(page.getByText('Enter the street and number.')).toBeVisible()
  await expect(page.getByLabel('Street and number')).toBeFocused()
  await page.getByLabel('Street and number').fill(ADDRESS.line1)
  await page.getByLabel('City').fill(ADDRESS.city)
  await page.getByLabel('Postal code').fill(ADDRESS.postal_code)
  await page.getByLabel('Country code').fill('us')
  await expect(page.getByText('United States')).toBeVisible()
  await page.getByLabel(/^4242424242424242/).check()
  await checkPage(page, testInfo, 'checkout')
  await page.getByRole('button', { name: 'Place order' }).click()
  await expect(page).toHaveURL(/#\/orders\/o-/)
  await expect(page.getByTestId('cart-count')).toHaveText('0')

  // The order carries the address, and the profile kept it for the next time.
  const orderId = /#\/orders\/(o-[^/?]+)/.exec(page.url())?.[1] ?? ''
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('sagaway.session') ?? '{}').token as string)
  // The saga writes the order a moment after the 202 that brought the page here: until then the
  // order service answers 404.
  const readOrder = () => request.get(`${API}/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } })
  await expect.poll(async () => (await readOrder()).status(), { timeout: 30_000 }).toBe(200)
  expect((await (await readOrder()).json()).shipping_address).toEqual(ADDRESS)
  await page.getByRole('link', { name: 'Profile' }).click()
  await expect(page.getByLabel('Street and number')).toHaveValue(ADDRESS.line1)
  await expect(page.getByLabel('Country code')).toHaveValue('US')
})

test('a second tab is logged in with the same cart; a logout in one logs out the other', async ({ page, context, request }, testInfo) => {
  const a = await product(request, 10)
  const b = await product(request, 10)
  await register(page, 'Tab Shopper')
  await page.goto(`${SITE}#/products/${a.id}`)
  await page.getByRole('button', { name: `Add to cart: ${a.name}` }).click()
  await expect(page.getByTestId('cart-count')).toHaveText('1')

  const second = await context.newPage()
  await second.goto(`${SITE}#/cart`)
  await expect(second.getByRole('button', { name: 'Log out' })).toBeVisible()
  await expect(second.locator(`[data-product="${a.id}"]`)).toBeVisible()
  await expect(second.getByTestId('cart-count')).toHaveText('1')
  await checkPage(second, testInfo, 'second-tab-cart')

  // A change in the second tab reaches the first without a reload.
  await second.goto(`${SITE}#/products/${b.id}`)
  await second.getByRole('button', { name: `Add to cart: ${b.name}` }).click()
  await expect(page.getByTestId('cart-count')).toHaveText('2')

  // The first tab is on a page that needs the session: it goes to the login page.
  await page.getByRole('link', { name: /^Cart/ }).click()
  await expect(page.locator(`[data-product="${b.id}"]`)).toBeVisible()
  await second.getByRole('button', { name: 'Log out' }).click()
  await expect(second).toHaveURL(/#\/login/)
  await expect(page).toHaveURL(/#\/login/)
  await expect(page.getByText('You logged out in another tab.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible()
  await checkPage(page, testInfo, 'logged-out-elsewhere')
  // Logged out everywhere: a page that needs the session asks to log in.
  await page.goto(`${SITE}#/orders`)
  await expect(page).toHaveURL(/#\/login/)
})

test('a shopper edits the profile; the API names an invalid field at the field', async ({ page }, testInfo) => {
  await register(page)
  await page.getByRole('link', { name: 'Profile' }).click()
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('E2E Shopper')
  await checkPage(page, testInfo, 'profile')

  await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace')
  await page.getByLabel('Street and number').fill('12 St James Square')
  await page.getByLabel('City').fill('London')
  await page.getByLabel('Postal code').fill('SW1Y 4JH ' + '9'.repeat(20))
  await page.getByLabel('Country code').fill('GB')
  await page.getByRole('button', { name: 'Save profile' }).click()
  // The API allows 20 characters: its words are shown at the field.
  await expect(page.locator('#profile-postal_code-error')).toContainText('Postal code must')
  await expect(page.getByLabel('Postal code')).toHaveAttribute('aria-invalid', 'true')
  await checkPage(page, testInfo, 'profile-error')

  await page.getByLabel('Postal code').fill('SW1Y 4JH')
  await page.getByRole('button', { name: 'Save profile' }).click()
  await expect(page.getByTestId('toast').filter({ hasText: 'Your profile is saved.' })).toBeInViewport()
  await page.reload()
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Ada Lovelace')
  await expect(page.getByLabel('Postal code')).toHaveValue('SW1Y 4JH')
  await expect(page.getByLabel('Country code')).toHaveValue('GB')
})

test('an out-of-stock product cannot be added', async ({ page, request }, testInfo) => {
  const p = await product(request, 0)
  await register(page)
  await page.goto(`${SITE}#/products/${p.id}`)
  await expect(page.getByTestId('stock')).toHaveText('Out of stock')
  await expect(page.getByRole('button', { name: `Out of stock: ${p.name}` })).toBeDisabled()
  await expect(page.getByRole('button', { name: `Add to cart: ${p.name}` })).toHaveCount(0)
  await checkPage(page, testInfo, 'product-out-of-stock')
  await page.goto(`${SITE}#/`)
  await searchFor(page, p.name)
  await expect(page.locator(`[data-product="${p.id}"]`).getByRole('button', { name: `Out of stock: ${p.name}` })).toBeDisabled()
  await expect(page.getByTestId('cart-count')).toHaveText('0')
})

test('an unknown page and an unknown product say so, with a way back', async ({ page }, testInfo) => {
  await page.goto(`${SITE}#/no/such/page`)
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
  await checkPage(page, testInfo, 'not-found')
  await page.goto(`${SITE}#/products/${unique('missing')}`)
  await expect(page.getByRole('heading', { name: 'Product not found' })).toBeVisible()
  await checkPage(page, testInfo, 'product-not-found')
  await page.getByRole('link', { name: 'Browse the catalog' }).click()
  await expect(page.getByRole('heading', { name: 'Catalog' })).toBeVisible()
})

test('an admin types a price in units, picks a category, uploads an image; the row updates in place', async ({ page, request }, testInfo) => {
  const p = await product(request, 7, { category: 'other' })
  await login(page, ADMIN)
  await page.getByRole('link', { name: 'Admin' }).click()
  await page.getByLabel('Search products by name').fill(p.name)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  const row = page.locator(`li[data-product="${p.id}"]`)
  await expect(row).toBeVisible()
  await expect(page.getByTestId('admin-products').locator('li')).toHaveCount(1)
  await expect(row.getByLabel(`Price of ${p.name}`)).toHaveValue('15.00')
  await checkPage(page, testInfo, 'admin')
  // The row's element is kept through the saves: no reload of the table.
  await row.evaluate((el) => el.setAttribute('data-kept', 'yes'))

  await row.getByLabel(`Price of ${p.name}`).fill('18.001')
  await row.getByRole('button', { name: `Save ${p.name}` }).click()
  await expect(row.getByText('USD has 2 decimals: e.g. 18.00.')).toBeVisible()
  await row.getByLabel(`Price of ${p.name}`).fill('0.29')
  await row.getByLabel(`Category of ${p.name}`).selectOption('equipment')
  await row.getByRole('button', { name: `Save ${p.name}` }).click()
  await expect(row.getByTestId('price')).toHaveText('$0.29')
  await expect(page.getByTestId('toast').filter({ hasText: `${p.name} saved.` })).toBeInViewport()

  await row.getByLabel(`Upload image of ${p.name}`).setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: TINY_PNG })
  const thumb = row.getByRole('img', { name: `Image of ${p.name}` })
  await expect(thumb).toHaveAttribute('src', /images\/uploads\//)
  // The thumbnail really shows the upload (a broken image would fall back to the placeholder).
  await thumb.scrollIntoViewIfNeeded()
  await expect.poll(() => thumb.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1)
  // An SVG is refused before it is sent, with what to do instead.
  await row.getByLabel(`Upload image of ${p.name}`).setInputFiles({ name: 'x.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') })
  await expect(row.getByRole('alert')).toHaveText('Choose a PNG, JPEG or WebP image (SVG is not accepted).')
  await expect(row).toHaveAttribute('data-kept', 'yes')
  await checkPage(page, testInfo, 'admin-saved')

  // What the shop shows now.
  const r = await request.get(`${API}/v1/products/${p.id}`)
  const saved = await r.json()
  expect(saved.price_cents).toBe(29)
  expect(saved.category).toBe('equipment')
  expect(saved.image_url).toMatch(/^images\/uploads\//)
  const image = await request.get(new URL(saved.image_url, SITE).href)
  expect(image.status()).toBe(200)
  // The API refuses an image that is too large, and says why.
  const big = await request.put(`${API}/v1/products/${p.id}/image`, {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { content_type: 'image/png', data_base64: Buffer.alloc(301 * 1024).toString('base64') },
  })
  expect(big.status()).toBeGreaterThanOrEqual(400)
  expect(big.status()).toBeLessThan(500)
})

test('a wrong password is explained, the pages to log in and register pass the checks, and a shopper cannot open the admin page', async ({ page }, testInfo) => {
  await page.goto(`${SITE}#/login`)
  // A fresh address each run: failed logins of one account are rate limited.
  await page.getByLabel('Email').fill(`${unique('nobody')}@example.com`)
  await page.getByLabel('Password').fill('wrong password!')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toHaveText('The email or the password is wrong.')
  await checkPage(page, testInfo, 'login-error')
  await page.goto(`${SITE}#/register`)
  await expect(page.getByRole('heading', { name: 'Register' })).toBeVisible()
  await checkPage(page, testInfo, 'register')
  await register(page)
  await page.goto(`${SITE}#/admin`)
  await expect(page.getByRole('heading', { name: 'Catalog' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0)
})
