/**
 * Writes docs/stomp-chat.png: the STOMP chat page with a short conversation, as alice sees it.
 * `npm run demo:stomp-screenshot` (Chromium at /usr/bin/chromium, or CHROMIUM_PATH); not part of `npm test`.
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { STOMP_CHAT_PATH, startStompDemo } from './stomp-demo';

const OUTPUT = path.resolve(__dirname, '..', '..', 'docs', 'stomp-chat.png');
const TRANSPORT = 'xhr-streaming';

async function logIn(browser: Browser, url: string, user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('#user').selectOption(user);
  await page.locator('#passcode').fill(user);
  await page.locator('#transport').selectOption(TRANSPORT);
  await page.locator('#connect').click();
  await page.locator('#status.open').waitFor();
  await page.locator('#room-messages li.sys', { hasText: 'joined lobby' }).waitFor();
  return page;
}

/** Types `text` into `input` and waits until `seenBy` shows it in `list`. */
async function say(page: Page, input: string, text: string, seenBy: Page, list: string): Promise<void> {
  await page.locator(input).fill(text);
  await page.locator(input).press('Enter');
  await seenBy.locator(`${list} li`, { hasText: text }).waitFor();
}

async function main(): Promise<void> {
  const demo = await startStompDemo();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const url = demo.baseUrl + STOMP_CHAT_PATH;
    const alice = await logIn(browser, url, 'alice');
    const bob = await logIn(browser, url, 'bob');
    await say(alice, '#text', 'Hi Bob! Lunch at noon?', bob, '#room-messages');
    await say(bob, '#text', 'Sure, the usual place?', alice, '#room-messages');
    await say(alice, '#text', 'Yes, I will book a table.', bob, '#room-messages');
    await bob.locator('#to').selectOption('alice');
    await say(bob, '#private-text', 'Could you bring the slides for later?', alice, '#private-messages');
    await alice.locator('#to').selectOption('bob');
    await alice.locator('#private-text').fill('Of course!');
    await alice.screenshot({ path: OUTPUT, fullPage: true, animations: 'disabled', caret: 'hide' });
    console.log(`wrote ${OUTPUT}`);
  } finally {
    await browser.close();
    await demo.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
