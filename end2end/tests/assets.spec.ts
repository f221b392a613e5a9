import { expect, test } from '@playwright/test';

test('scripts, WebAssembly and styles have hashed names, are compressed and cached for a year', async ({ page, request }) => {
  await page.goto('/');
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  // The app's script and WebAssembly are fetched only once the page (its
  // pictures included) has loaded: they never delay what a visitor sees first.
  const timing = await page.evaluate(() => {
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const app = performance
      .getEntriesByType('resource')
      .filter((r) => /\/pkg\/trove([._][\w-]+)*\.(js|wasm)$/.test(r.name))
      .map((r) => ({ path: new URL(r.name).pathname, start: r.startTime }));
    return { loaded: navigation.loadEventStart, app };
  });
  expect(timing.app.map((r) => r.path.split('.').pop()).sort()).toEqual(['js', 'wasm']);
  for (const r of timing.app) expect(r.start, r.path).toBeGreaterThanOrEqual(timing.loaded);
  const hrefs = [await page.locator('link[rel="stylesheet"]').getAttribute('href'), ...timing.app.map((r) => r.path)];
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
