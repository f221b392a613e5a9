import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
page.on('console', m => console.log('console', m.type(), m.text().slice(0, 500)));
page.on('pageerror', e => console.log('pageerror', e.message.slice(0, 800)));
await page.goto('http://127.0.0.1:3100' + (process.argv[2] ?? '/'));
await page.waitForTimeout(4000);
console.log(await page.evaluate(() => "hydrated=" + document.body.hasAttribute("data-hydrated")));
await browser.close();
