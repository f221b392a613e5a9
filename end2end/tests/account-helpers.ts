import { expect, type Page } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PASSWORD = 'a long enough phrase';

/** A username no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Waits until the page is hydrated, so forms go through the app. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/** Signs up through the form and lands on the account page. */
export async function signUp(page: Page, username: string, password = PASSWORD): Promise<string> {
  const email = `${username}@example.com`;
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('First name').fill('Test');
  await page.getByLabel('Last name').fill('Shopper');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  return email;
}

export async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/** The newest message to `recipient` in the test SMTP server's Maildir. */
export async function emailTo(recipient: string, subject: string): Promise<string> {
  const maildir = process.env.TROVE_E2E_MAILDIR;
  if (!maildir) throw new Error('TROVE_E2E_MAILDIR is not set (scripts/test sets it)');
  let found: string | undefined;
  await expect
    .poll(
      () => {
        const dir = join(maildir, 'new');
        let files: string[] = [];
        try {
          files = readdirSync(dir).sort((a, b) => statSync(join(dir, a)).mtimeMs - statSync(join(dir, b)).mtimeMs);
        } catch {
          return false;
        }
        for (const file of files.reverse()) {
          // Undo quoted-printable soft breaks and escaped equals signs.
          const text = readFileSync(join(dir, file), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
          if (text.includes(`To: ${recipient}`) && text.includes(`Subject: ${subject}`)) {
            found = text;
            return true;
          }
        }
        return false;
      },
      { message: `an email "${subject}" to ${recipient}`, timeout: 15_000 },
    )
    .toBe(true);
  return found!;
}
