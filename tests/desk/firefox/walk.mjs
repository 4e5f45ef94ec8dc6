// The desk console in Firefox (Debian's ESR, driven by puppeteer-core over WebDriver BiDi), for
// tests/desk/test_desk_firefox.py: sign in with the link /desk gave, my tasks, the record list and its
// search (htmx swaps the table), the record page and its voice note, the disposition, the 登记表 PDF, the
// quarter's dashboard with its ECharts charts — on a 1366×768 screen. Prints one JSON object: what it saw.
//
//   node walk.mjs FIREFOX LINK BASE NUMBER QUARTER ARTIFACTS
import puppeteer from 'puppeteer-core';

const [firefox, link, base, number, quarter, artifacts] = process.argv.slice(2);
const seen = { problems: [], steps: [] };
const step = (name, value) => seen.steps.push({ name, value });

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: firefox,
  headless: true,
  extraPrefsFirefox: { 'intl.accept_languages': 'zh-CN' },
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  await page.setViewport({ width: 1366, height: 768 });
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' || /Content-Security-Policy|Content Security Policy/i.test(text)) {
      seen.problems.push(`${m.type()}: ${text}`);
    }
  });
  page.on('pageerror', (e) => seen.problems.push(`pageerror: ${e.message}`));
  const text = (selector) => page.$eval(selector, (e) => e.textContent);
  const clickText = async (selector, words) => {
    const handles = await page.$$(selector);
    for (const h of handles) {
      if ((await h.evaluate((e) => e.textContent.trim())) === words) {
        await h.click();
        return;
      }
    }
    throw new Error(`no ${selector} saying ${words}`);
  };
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

  await page.goto(link);
  await Promise.all([page.waitForNavigation(), clickText('button', '进入工作台')]);
  step('tasks', { heading: await text('h1'), main: await text('main'), wide: await wide() });

  await Promise.all([page.waitForNavigation(), clickText('nav a', '记录')]);
  step('list', { rows: (await page.$$('tbody tr')).length, wide: await wide() });
  await page.type('input[type=search]', '周局长');
  const answered = page.waitForResponse((r) => r.url().includes('/records?'));
  await clickText('button', '筛选');
  const response = await answered;
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  step('search', {
    htmx: response.request().headers()['hx-request'] === 'true',
    rows: (await page.$$('tbody tr')).length,
    url: page.url(),
  });

  await Promise.all([page.waitForNavigation(), clickText('tbody a', number)]);
  const duration = await page.$eval(
    'audio',
    (a) =>
      new Promise((done, fail) => {
        a.addEventListener('loadedmetadata', () => done(a.duration), { once: true });
        a.addEventListener('error', () => fail(new Error('the audio did not load')), { once: true });
        a.load();
      }),
  );
  step('record', { heading: await text('h1'), duration, wide: await wide() });
  await page.screenshot({ path: `${artifacts}/firefox-record.png`, fullPage: true });

  const labels = await page.$$('label');
  for (const l of labels) {
    if ((await l.evaluate((e) => e.textContent.trim())) === '纳入季度汇总') await l.click();
  }
  await page.$eval('textarea[name=opinion]', (e) => {
    e.value = '纳入季度汇总。';
  });
  await Promise.all([page.waitForNavigation(), clickText('button', '处理')]);
  step('disposed', { status: await text('[role=status]'), main: await text('main') });
  const pdf = await page.evaluate(async () => {
    const a = [...document.querySelectorAll('a')].find((e) => e.textContent.includes('下载登记表'));
    const r = await fetch(a.href);
    const bytes = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, head: String.fromCharCode(...bytes.slice(0, 5)) };
  });
  step('form', pdf);

  await page.goto(`${base}/quarterly?q=${quarter}`);
  await page.waitForFunction(
    () => {
      const charts = document.querySelectorAll('.echart');
      return charts.length >= 2 && document.querySelectorAll('.echart[data-drawn=true]').length === charts.length;
    },
    { timeout: 15000 },
  );
  const charts = await page.$$eval('.echart', (all) =>
    all.map((c) => {
      const canvas = c.querySelector('canvas');
      return { drawn: c.dataset.drawn === 'true', canvas: !!canvas && canvas.width > 0 && canvas.height > 0 };
    }),
  );
  step('dashboard', { main: await text('main'), charts, wide: await wide() });
  await page.screenshot({ path: `${artifacts}/firefox-quarterly.png`, fullPage: true });
} catch (e) {
  seen.problems.push(`walk: ${e.message}`);
} finally {
  seen.browser = await browser.version();
  await browser.close();
}
console.log(JSON.stringify(seen));
