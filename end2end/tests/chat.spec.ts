import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { signInAsAdmin } from './shop-helpers';

test('a shopper asks for help and an admin answers live, in two browsers', async ({ browser }) => {
  const shopperContext = await browser.newContext();
  const staffContext = await browser.newContext();
  const shopper = await shopperContext.newPage();
  const staff = await staffContext.newPage();
  const subject = uniqueName('Parcel ');

  await signUp(shopper, uniqueName('asker'));
  await shopper.getByRole('banner').getByRole('link', { name: /Help/ }).click();
  await hydrated(shopper);
  await shopper.getByLabel('Subject').fill(subject);
  await shopper.getByLabel('Your question').fill('Where is my parcel? See https://example.com/track');
  await shopper.getByRole('button', { name: 'Send' }).click();
  await expect(shopper).toHaveURL(/\/messages\/\d+$/);
  await expect(shopper.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  const link = shopper.getByRole('link', { name: 'https://example.com/track' });
  await expect(link).toHaveAttribute('rel', 'nofollow noopener noreferrer ugc');
  await hydrated(shopper);

  await signInAsAdmin(staff);
  await staff.goto('/admin/inbox?filter=unassigned');
  await staff.getByRole('link', { name: subject }).click();
  await hydrated(staff);
  await expect(staff.getByRole('complementary', { name: 'About the customer' })).toBeVisible();
  await staff.getByRole('button', { name: 'Join the conversation' }).click();
  await expect(staff.getByText(/In this conversation: .*\(Admin\)/)).toBeVisible();
  await staff.getByLabel('Your message', { exact: true }).fill('It left our warehouse today.');
  await staff.getByRole('button', { name: 'Send' }).click();

  // The answer appears in the shopper's open page without a reload.
  const messages = shopper.getByRole('list', { name: 'Messages' });
  await expect(messages.getByRole('paragraph').filter({ hasText: 'It left our warehouse today.' })).toBeVisible({ timeout: 5_000 });
  await expect(messages.getByText('Staff')).toBeVisible();
  // The shopper's open page read it: the staff member's page says so.
  const staffMessages = staff.getByRole('list', { name: 'Messages' });
  await expect(staffMessages.getByText(/^Seen by /)).toBeVisible({ timeout: 5_000 });

  // Away from the conversation, the header counts the next answer as it comes.
  const conversation = shopper.url();
  await shopper.goto('/');
  await hydrated(shopper);
  const help = shopper.getByRole('banner').getByRole('link', { name: /Help/ });
  await expect(help).toHaveAccessibleName('Help');
  await staff.getByLabel('Your message', { exact: true }).fill('It should arrive tomorrow.');
  await staff.getByRole('button', { name: 'Send' }).click();
  await expect(staffMessages.getByRole('paragraph').filter({ hasText: 'It should arrive tomorrow.' })).toBeVisible();
  await expect(help).toHaveAccessibleName(/Help.*1 unread answers/, { timeout: 5_000 });
  // Reading it clears the count.
  await shopper.goto(conversation);
  await expect(shopper.getByRole('banner').getByRole('link', { name: 'Help', exact: true })).toBeVisible({ timeout: 5_000 });

  // Staff hand the conversation on (here: to nobody) from the same page.
  await staff.getByLabel('Looked after by').selectOption({ label: 'Nobody' });
  // The assignment is saved before the staff member moves on.
  const assigned = staff.waitForResponse((response) => response.url().includes('/api/chat/assign'));
  await staff.getByRole('button', { name: 'Assign' }).click();
  expect((await assigned).ok()).toBe(true);
  await staff.goto('/admin/inbox?filter=unassigned');
  await expect(staff.getByRole('link', { name: subject })).toBeVisible();
  await shopperContext.close();
  await staffContext.close();
});
