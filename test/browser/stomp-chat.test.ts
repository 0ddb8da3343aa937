/**
 * The STOMP chat page of `npm start` (`/stomp.html`, demo/stomp-demo.ts) in Chromium: alice, bob
 * and an anonymous visitor in three pages, on one forced SockJS transport at a time. A room
 * message from alice reaches bob; a private message from bob reaches alice only; a wrong passcode
 * shows the server's ERROR on the status line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { STOMP_CHAT_PATH, startStompDemo } from '../../demo/stomp-demo';
import { launchBrowser, noBrowser, openPage, withPageReport, type ClientTransport } from './browser';

const TRANSPORTS: ClientTransport[] = ['websocket', 'xhr-polling', 'jsonp-polling'];

interface ChatPage {
  readonly page: Page;
  readonly problems: string[];
}

type Demo = Awaited<ReturnType<typeof startStompDemo>>;

/** Opens the chat page, logs in (or not) with `transport`, and waits for the status line to say so. */
async function logIn(
  open: () => Promise<ChatPage>,
  url: string,
  transport: ClientTransport,
  user: 'alice' | 'bob' | '',
): Promise<ChatPage> {
  const chat = await open();
  const { page } = chat;
  await page.goto(url);
  await page.locator('#user').selectOption(user);
  await page.locator('#passcode').fill(user);
  await page.locator('#transport').selectOption(transport);
  await page.locator('#connect').click();
  const expected = `connected as ${user || 'anonymous'} over ${transport}`;
  await page.locator('#status.open', { hasText: expected }).waitFor({ timeout: 15_000 });
  await page.locator('#room-messages li.sys', { hasText: 'joined lobby' }).waitFor();
  return chat;
}

/** Runs `fn`, adding what any of the pages reported (by then) to the message of a failure. */
async function reporting(chats: readonly ChatPage[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    await withPageReport(
      chats.flatMap((chat) => chat.problems),
      () => Promise.reject(error),
    );
  }
}

async function say(page: Page, input: string, text: string): Promise<void> {
  await page.locator(input).fill(text);
  await page.locator(input).press('Enter');
}

describe('the STOMP chat page in Chromium', { skip: noBrowser }, () => {
  let browser: Browser | undefined;
  let demo: Demo | undefined;
  const contexts: BrowserContext[] = [];

  before(async () => {
    demo = await startStompDemo();
    browser = await launchBrowser();
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await demo?.close();
  });

  async function open(): Promise<ChatPage> {
    assert.ok(browser, 'setup failed');
    const { context, page, problems } = await openPage(browser);
    contexts.push(context);
    return { page, problems };
  }

  for (const transport of TRANSPORTS) {
    test(`${transport}: a room message reaches bob, a private one alice only`, { timeout: 60_000 }, async () => {
      assert.ok(demo, 'setup failed');
      const url = demo.baseUrl + STOMP_CHAT_PATH;
      const alice = await logIn(open, url, transport, 'alice');
      const bob = await logIn(open, url, transport, 'bob');
      const anonymous = await logIn(open, url, transport, '');
      await reporting([alice, bob, anonymous], async () => {
        const hello = `hello bob over ${transport} <b>not bold</b>`;
        await say(alice.page, '#text', hello);
        const line = bob.page.locator('#room-messages li.theirs', { hasText: hello });
        await line.waitFor();
        assert.equal(await line.locator('.from').textContent(), 'alice', 'stamped with the sender');
        assert.equal(await bob.page.locator('#room-messages b').count(), 0, 'text, not markup');
        await alice.page.locator('#room-messages li.mine', { hasText: hello }).waitFor();

        const secret = `psst alice (${transport})`;
        await bob.page.locator('#to').selectOption('alice');
        await say(bob.page, '#private-text', secret);
        const got = alice.page.locator('#private-messages li.theirs', { hasText: secret });
        await got.waitFor();
        assert.equal(await got.locator('.from').textContent(), 'bob \u2192 you');
        await bob.page.locator('#private-messages li.mine', { hasText: secret }).waitFor();

        // After the private message, on the same connections: a room message everyone gets.
        const later = `after the secret (${transport})`;
        await say(bob.page, '#text', later);
        for (const other of [anonymous, bob]) {
          await other.page.locator('#room-messages li', { hasText: later }).waitFor();
          assert.equal(await other.page.locator('#private-messages li.theirs').count(), 0, 'no private message');
        }
      });
    });
  }

  test('a wrong passcode: the status line shows the ERROR', { timeout: 30_000 }, async () => {
    assert.ok(demo, 'setup failed');
    const url = demo.baseUrl + STOMP_CHAT_PATH;
    const chat = await open();
    const { page } = chat;
    await reporting([chat], async () => {
      await page.goto(url);
      await page.locator('#user').selectOption('alice');
      await page.locator('#passcode').fill('not-alice');
      await page.locator('#transport').selectOption('websocket');
      await page.locator('#connect').click();
      await page.locator('#status.error', { hasText: 'ERROR: Refused: Bad credentials' }).waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('#connect').isDisabled(), false, 'connect is offered again');
      assert.equal(await page.locator('#text').isDisabled(), true, 'nothing to send on');
    });
  });
});
