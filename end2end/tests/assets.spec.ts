import { expect, test } from '@playwright/test';

test('scripts, WebAssembly and styles have hashed names, are compressed and cached for a year', async ({ page, request }) => {
  await page.goto('/');
  const hrefs = [
    await page.locator('link[rel="stylesheet"]').getAttribute('href'),
    await page.locator('link[rel="modulepreload"]').first().getAttribute('href'),
    await page.locator('link[rel="preload"][as="fetch"]').first().getAttribute('href'),
  ];
  for (const href of hrefs) {
    expect(href).toMatch(/^\/pkg\/trove[._][\w.-]+\.(css|js|wasm)$/);
    const response = await request.get(href!, { headers: { 'Accept-Encoding': 'br, gzip' } });
    expect(response.status(), href!).toBe(200);
    expect(response.headers()['cache-control'], href!).toBe('public, max-age=31536000, immutable');
    expect(response.headers()['content-encoding'], href!).toMatch(/^(br|gzip)$/);
  }
});

test('product pictures are served from media with cache headers', async ({ page, request }) => {
  await page.goto('/products');
  const src = await page.getByRole('list', { name: 'Products' }).locator('img').first().getAttribute('src');
  expect(src).toMatch(/^\/media\//);
  const response = await request.get(src!);
  expect(response.status()).toBe(200);
  // Seeded pictures are SVG; ones an admin uploaded are resized JPEGs.
  expect(response.headers()['content-type']).toBe(src!.endsWith('.svg') ? 'image/svg+xml' : 'image/jpeg');
  expect(response.headers()['cache-control']).toContain('max-age=');
});
