import { expect, test } from '@playwright/test';
import { PASSWORD, emailTo, hydrated, signIn, signOut, signUp, uniqueName } from './account-helpers';

test('sign up, sign out, sign in by username and by email; a wrong password is refused', async ({ page }) => {
  const username = uniqueName('amy');
  const email = await signUp(page, username);
  const banner = page.getByRole('banner');
  await expect(banner.getByRole('link', { name: /^Account/ })).toBeVisible();
  await expect(page.getByText(email, { exact: true })).toBeVisible();

  await signOut(page);
  await signIn(page, username);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await signOut(page);

  await signIn(page, email.toUpperCase());
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await signOut(page);

  await signIn(page, username, 'not my password at all');
  await expect(page.getByText("That username or email and password don't match an account.")).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/sign-in/);
});

test('a taken username is reported beside its field', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Username').fill('SHOPPER');
  await page.getByLabel('Email').fill(`${uniqueName('x')}@example.com`);
  await page.getByLabel('First name').fill('Sam');
  await page.getByLabel('Last name').fill('Again');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('That username is taken.')).toBeVisible();
  await expect(page.getByLabel('Email')).not.toHaveValue('', { timeout: 1000 });
});

test('two addresses, then the second becomes the primary', async ({ page }) => {
  await signUp(page, uniqueName('addr'));
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Addresses' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your addresses' })).toBeVisible();
  await hydrated(page);

  const form = page.getByRole('region', { name: 'Add an address' });
  for (const [name, city] of [
    ['Home Person', 'Leeds'],
    ['Work Person', 'York'],
  ]) {
    await form.getByLabel('Full name').fill(name);
    await form.getByLabel('Address line 1').fill('1 High Street');
    await form.getByLabel('City').fill(city);
    await form.getByLabel('Postal code').fill('LS1 4AP');
    await form.getByLabel('Country').selectOption('GB');
    await form.getByRole('button', { name: 'Add address' }).click();
    await expect(page.getByRole('listitem', { name: `Address of ${name}` })).toBeVisible();
  }
  const home = page.getByRole('listitem', { name: 'Address of Home Person' });
  const work = page.getByRole('listitem', { name: 'Address of Work Person' });
  await expect(home.getByText('Primary address')).toBeVisible();
  await expect(work.getByText('Primary address')).toHaveCount(0);

  await work.getByRole('button', { name: /^Make primary/ }).click();
  await expect(work.getByText('Primary address')).toBeVisible();
  await expect(home.getByText('Primary address')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('listitem', { name: 'Address of Work Person' }).getByText('Primary address')).toBeVisible();
});

test('changing the password signs out the other browser', async ({ page, browser }) => {
  const username = uniqueName('pw');
  await signUp(page, username);
  const other = await browser.newContext();
  const phone = await other.newPage();
  await signIn(phone, username);
  await expect(phone.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Password and sessions' }).click();
  await hydrated(page);
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(3);
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill('an even longer new phrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed and 1 other session was signed out.')).toBeVisible();
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);

  await phone.goto('/account');
  await expect(phone).toHaveURL(/\/sign-in\?next=%2Faccount|\/sign-in\?next=\/account/);
  await expect(phone.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await other.close();
});

test('a forgotten password is reset through the emailed link', async ({ page }) => {
  const username = uniqueName('reset');
  const email = await signUp(page, username);
  await signOut(page);

  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Email or username').fill(email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByText(/we've emailed a link/)).toBeVisible();

  const message = await emailTo(email, 'Reset your password');
  const link = message.match(/https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+/)?.[0];
  expect(link, message).toBeTruthy();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await hydrated(page);
  await page.getByLabel('New password').fill('my brand new phrase');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('Your password has been changed.')).toBeVisible();

  await signIn(page, username, 'my brand new phrase');
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  // The link worked once.
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await expect(page.getByText('This reset link has expired or was already used.')).toBeVisible();
});

test('a member opening an admin page is refused', async ({ page }) => {
  await signUp(page, uniqueName('member'));
  const response = await page.goto('/admin/outbox');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: 'Access denied' })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Admin' })).toHaveCount(0);
});

test('a signed-out visitor is sent to sign in and brought back', async ({ page }) => {
  await page.goto('/account/security');
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await hydrated(page);
  await page.getByLabel('Email or username').fill('shopper');
  await page.getByLabel('Password').fill('trove-shopper-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Password and sessions' })).toBeVisible();
});

test('the sign-up form checks the password rules in the browser before sending', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  let posts = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST') posts++;
  });
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Password').press('Tab');
  await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Username').fill('no spaces allowed');
  await page.getByLabel('Username').press('Tab');
  await expect(page.getByText('Use only letters, digits, dots, dashes and underscores.')).toBeVisible();
  expect(posts).toBe(0);
});
