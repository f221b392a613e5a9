import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueName } from './account-helpers';
import { buyWithCash, shipAndDeliver, signInAsAdmin } from './shop-helpers';

const PRODUCT = '/p/espresso-beans-1-kg';

test('a shopper reviews a product delivered to them, edits it, and a moderator hides it', async ({ page, browser }) => {
  const username = uniqueName('critic');
  await signUp(page, username);
  await page.goto(PRODUCT);
  const reviews = page.getByRole('region', { name: 'Reviews' });
  await expect(reviews.getByText('Only shoppers who bought this product can review it, once their order has been delivered.')).toBeVisible();

  // Buy it with cash on delivery; the shop ships and delivers it.
  const number = await buyWithCash(page, 'espresso-beans-1-kg', 'Rita Critic');
  const admin = await (await browser.newContext()).newPage();
  await signInAsAdmin(admin);
  await shipAndDeliver(admin, `${username}@example.com`, number);

  await page.goto(PRODUCT);
  await hydrated(page);
  await expect(reviews.getByText('No reviews yet.')).toBeVisible();
  await reviews.getByLabel('4 stars').check();
  await reviews.getByLabel('Title').fill('Rich and smooth');
  await reviews.getByLabel('Your review').fill('Great as espresso, fine in a moka pot.');
  await reviews.getByRole('button', { name: 'Post review' }).click();
  await expect(reviews.getByText('Thank you for your review.')).toBeVisible();
  await expect(reviews.getByText('Rated 4.0 out of 5 from 1 review')).toBeVisible();
  const review = reviews.getByRole('listitem').filter({ hasText: 'Rich and smooth' });
  await expect(review.getByText('Verified purchase')).toBeVisible();
  await expect(review.getByRole('img', { name: '4 out of 5 stars' })).toBeVisible();

  // Editing changes the average; the page's own summary follows on reload.
  await reviews.getByLabel('2 stars').check();
  await reviews.getByRole('button', { name: 'Update review' }).click();
  await expect(reviews.getByText('Rated 2.0 out of 5 from 1 review')).toBeVisible();
  await page.reload();
  await expect(page.locator('.product-info').getByRole('link', { name: 'Rated 2.0 out of 5 from 1 review' })).toBeVisible();

  // A moderator hides it: it leaves the page and the average.
  await admin.goto('/admin/reviews');
  await hydrated(admin);
  const card = admin.getByRole('listitem', { name: /Review "Rich and smooth"/ });
  await card.getByLabel('Reason (shown to the author)').fill('Contains a competitor link');
  await card.getByRole('button', { name: 'Hide review' }).click();
  await expect(admin.getByText('Hidden: "Rich and smooth".')).toBeVisible();

  await page.reload();
  await expect(reviews.getByText('No reviews yet.')).toBeVisible();
  await expect(reviews.getByText('Your review is hidden: Contains a competitor link')).toBeVisible();
});
