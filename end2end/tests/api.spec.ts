import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { signInAsAdmin } from './shop-helpers';

// The JSON API's tokens as people make and use them: in the account area and
// on the admin's integrations page, then from a script (Playwright's request
// context standing in for curl).

test('a shopper makes a token, lists their orders with it, and revoking it stops it at once', async ({ page, request }) => {
  await signUp(page, uniqueName('api'));
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Token name').fill('my script');
  await page.getByLabel(/^orders:read/).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('Copy it now: it is shown only this once.')).toBeVisible();
  const secret = await page.getByLabel('Token', { exact: true }).inputValue();
  expect(secret).toMatch(/^trove_pat_[0-9A-Za-z]{38}$/);
  const row = page.getByRole('row', { name: /my script/ });
  await expect(row).toContainText('orders:read');
  await expect(row).toContainText('Active');
  await expect(row).not.toContainText(secret);

  const auth = { Authorization: `Bearer ${secret}` };
  const orders = await request.get('/api/v1/orders', { headers: auth });
  expect(orders.status()).toBe(200);
  expect((await orders.json()).orders).toEqual([]);
  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status(), 'no account:read scope').toBe(403);
  expect((await me.json()).scope).toBe('account:read');

  await row.getByRole('button', { name: /Revoke/ }).click();
  await expect(row).toContainText('Revoked');
  const after = await request.get('/api/v1/orders', { headers: auth });
  expect(after.status()).toBe(401);
  expect(after.headers()['www-authenticate']).toContain('invalid_token');
});

test('an admin makes a warehouse token that can set stock but not prices', async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.goto('/admin/integrations');
  await hydrated(page);
  await page.getByLabel('Integration').fill('Warehouse sync');
  await page.getByLabel('Token name').fill(uniqueName('stock'));
  await page.getByLabel(/^inventory:write/).check();
  await page.getByRole('button', { name: 'Create client token' }).click();
  const secret = await page.getByLabel('Token', { exact: true }).inputValue();
  expect(secret).toMatch(/^trove_cli_/);

  const product = await (await request.get('/api/v1/products/rolled-oats-1-kg')).json();
  const auth = { Authorization: `Bearer ${secret}` };
  // Shoppers see whether it is in stock; the warehouse reads the number.
  expect(product.stock).toBeUndefined();
  const current = await (await request.get(`/api/v1/products/${product.id}/stock`, { headers: auth })).json();
  const stock = await request.put(`/api/v1/products/${product.id}/stock`, { headers: auth, data: { stock: current.stock } });
  expect(stock.status()).toBe(200);
  expect((await stock.json()).stock).toBe(current.stock);
  const price = await request.put(`/api/v1/products/${product.id}/price`, { headers: auth, data: { price: '0.01' } });
  expect(price.status()).toBe(403);
  expect(price.headers()['content-type']).toBe('application/problem+json');
  expect((await price.json()).scope).toBe('catalog:write');
  const unchanged = await (await request.get('/api/v1/products/rolled-oats-1-kg')).json();
  expect(unchanged.price).toEqual(product.price);
});

test('the API docs load with no console error and a call tried from them succeeds', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  // A token to paste: made in the account area.
  await signUp(page, uniqueName('docs'));
  await page.goto('/account/tokens');
  await hydrated(page);
  await page.getByLabel('Token name').fill('docs');
  await page.getByLabel(/^account:read/).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByLabel('Token', { exact: true }).inputValue();

  await page.goto('/api/docs');
  await expect(page.getByText('Trove API', { exact: false }).first()).toBeVisible();
  await page.getByRole('button', { name: /Authorize/ }).first().click();
  await page.locator('.modal-ux input[type="text"], .modal-ux input:not([type])').first().fill(secret);
  await page.locator('.modal-ux button.authorize').click();
  await page.locator('.modal-ux button.btn-done').click();
  const operation = page.locator('#operations-Account-me');
  await operation.locator('.opblock-summary').click();
  // The page opens every operation ready to try (tryItOutEnabled).
  await operation.getByRole('button', { name: 'Execute' }).click();
  await expect(operation.locator('.live-responses-table tbody .response-col_status').first()).toHaveText(/200/);
  await expect(operation.locator('.live-responses-table')).toContainText('"username"');
  expect(problems).toEqual([]);
});
