// 留痕 · a member's WeCom (企业微信) chat with the app, in the browser. The page at /phone/{userid} plays that
// member against the WeCom sandbox through its phone API (/sim/{userid}/...): one long poll for what the app
// sends (messages, template cards and their updates), and one POST per thing the member does. Plain JS, no
// build step, no inline script or style.
'use strict';

const POLL_SECONDS = 25;
const RETRY_MS = 2000;
const TOAST_MS = 4000;

const state = {
  userid: decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || ''),
  cfg: null,
  after: 0, // the number of the app's messages seen
  version: null, // the sandbox's change count seen
  mine: 0, // the number of the member's own messages seen
  instance: null,
  items: [], // { key, sort: [a, b, c], node, version } in the order shown
};
const base = `/sim/${encodeURIComponent(state.userid)}`;

// ------------------------------------------------------------------------------------------------ helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false || child === '') continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!response.ok) throw new Error((body && body.error) || `HTTP ${response.status}`);
  return body;
}

function post(path, body) {
  return api(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function toast(text, error = false) {
  const node = el('div', { class: error ? 'toast error' : 'toast', role: error ? 'alert' : 'status' }, text);
  document.getElementById('toasts').append(node);
  setTimeout(() => node.remove(), TOAST_MS);
}

// What the app answered to an action: a callback the app refused or did not answer is said.
function answered(result) {
  if (result && result.status !== 200) {
    toast(result.error || `应用没有正常应答（HTTP ${result.status}）`, true);
    return false;
  }
  return true;
}

function initial(name) { return Array.from(name || '?')[0]; }

function str(obj, key) {
  const value = obj && typeof obj === 'object' ? obj[key] : undefined;
  return typeof value === 'string' ? value : '';
}

function list(obj, key) {
  const value = obj && typeof obj === 'object' ? obj[key] : undefined;
  return Array.isArray(value) ? value.filter((item) => item && typeof item === 'object') : [];
}

function dict(obj, key) {
  const value = obj && typeof obj === 'object' ? obj[key] : undefined;
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

// ---------------------------------------------------------------------------------------------- the chat

function nearBottom() {
  const box = document.getElementById('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function scrollDown() {
  const box = document.getElementById('messages');
  box.scrollTop = box.scrollHeight;
}

function before(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

// Puts a row in its place: the app's message i after everything sent before it arrived.
function place(key, sort, node, version) {
  const box = document.getElementById('messages');
  document.getElementById('empty').hidden = true;
  const stick = nearBottom();
  const existing = state.items.find((item) => item.key === key);
  if (existing) {
    existing.node.replaceWith(node);
    existing.node = node;
    existing.version = version;
    return;
  }
  const item = { key, sort, node, version };
  const next = state.items.findIndex((other) => before(sort, other.sort));
  if (next < 0) {
    state.items.push(item);
    box.append(node);
  } else {
    box.insertBefore(node, state.items[next].node);
    state.items.splice(next, 0, item);
  }
  if (stick) scrollDown();
}

function appRow(content, wide = false) {
  return el('div', { class: wide ? 'row in card-row' : 'row in' },
    el('div', { class: 'avatar', 'aria-hidden': 'true' }, '痕'),
    el('div', { class: 'body' }, el('div', { class: 'sender' }, state.cfg.app), content));
}

function mediaBubble(kind, url, label) {
  if (!url) return el('div', { class: 'bubble' }, `[${label}]`);
  if (kind === 'image') return el('div', { class: 'bubble' }, el('img', { src: url, alt: label }));
  if (kind === 'voice') {
    return el('div', { class: 'bubble' }, el('audio', { src: url, controls: true, preload: 'none' }),
      el('a', { href: url, target: '_blank', rel: 'noopener' }, label));
  }
  return el('div', { class: 'bubble file' },
    el('span', { class: 'file-icon', 'aria-hidden': 'true' }, '文件'),
    el('a', { href: url, target: '_blank', rel: 'noopener' }, label));
}

function showMessage(m) {
  const key = `m${m.index}`;
  const existing = state.items.find((item) => item.key === key);
  if (existing && existing.version === m.version) return;
  let row;
  if (m.msgtype === 'template_card') row = appRow(renderCard(m), true);
  else if (m.msgtype === 'text' || m.msgtype === 'markdown') row = appRow(el('div', { class: 'bubble' }, m.text || ''));
  else if (m.msgtype === 'image') row = appRow(mediaBubble('image', m.media, m.filename || '图片'));
  else if (m.msgtype === 'voice') row = appRow(mediaBubble('voice', m.media, m.filename || '语音'));
  else if (m.msgtype === 'video' || m.msgtype === 'file') row = appRow(mediaBubble('file', m.media, m.filename || '文件'));
  else row = appRow(renderNotice(m), true);
  if (existing) {
    row.classList.add('updated'); // drawn anew in place: no second entrance
    const card = row.querySelector('.card');
    if (card) card.classList.add('flash');
  }
  place(key, [m.index, 1, 0], row, m.version);
}

function showMine(item) {
  const key = `o${item.n}`;
  if (state.items.some((other) => other.key === key)) return;
  let bubble;
  if (item.kind === 'text') bubble = el('div', { class: 'bubble' }, item.text);
  else bubble = mediaBubble(item.kind, item.media, item.kind === 'image' ? '图片' : '语音');
  const failed = item.status !== null && item.status !== 200;
  const row = el('div', { class: failed ? 'row out failed' : 'row out' },
    el('div', { class: 'avatar', 'aria-hidden': 'true' }, initial(state.cfg.name)),
    el('div', { class: 'body' }, bubble,
      failed ? el('div', { class: 'failed-note' }, `应用没有收下（HTTP ${item.status}）`) : null));
  place(key, [item.before, 0, item.n], row, 0);
  scrollDown();
}

// textcard and news: a card of title, description and a link.
function renderNotice(m) {
  const payload = m.payload || {};
  const root = el('div', { class: 'card' });
  const main = el('div', { class: 'card-main' });
  if (m.msgtype === 'textcard') {
    main.append(el('h2', { class: 'card-title' }, str(payload, 'title')),
      el('div', { class: 'card-text' }, str(payload, 'description')));
  } else {
    for (const article of list(payload, 'articles')) {
      main.append(el('h2', { class: 'card-title' }, str(article, 'title')),
        el('div', { class: 'card-text' }, str(article, 'description')));
    }
    if (!main.childElementCount) main.append(el('div', { class: 'card-text' }, m.summary || `[${m.msgtype}]`));
  }
  root.append(main);
  return root;
}

// -------------------------------------------------------------------------------------------------- cards

function renderCard(m) {
  const card = m.card || {};
  const root = el('div', { class: 'card' });
  const source = dict(card, 'source');
  const head = el('div', { class: 'card-source' },
    el('span', { class: 'mini-logo', 'aria-hidden': 'true' }, '痕'), str(source, 'desc') || state.cfg.app);
  root.append(head);
  const actions = list(dict(card, 'action_menu'), 'action_list');
  if (actions.length) {
    const menu = el('div', { class: 'menu-list', hidden: true });
    for (const action of actions) {
      menu.append(el('button', { type: 'button', onclick: (event) => act(root, event.currentTarget, '/press', { msgid: m.msgid, key: str(action, 'key') }) },
        str(action, 'text')));
    }
    head.append(el('button', {
      class: 'card-menu', type: 'button', 'aria-label': '更多操作',
      onclick: () => { menu.hidden = !menu.hidden; },
    }, '···'));
    root.append(menu);
  }

  const main = el('div', { class: 'card-main' });
  const title = dict(card, 'main_title');
  if (str(title, 'title')) main.append(el('h2', { class: 'card-title' }, str(title, 'title')));
  if (str(title, 'desc')) main.append(el('div', { class: 'card-desc card-text' }, str(title, 'desc')));
  const emphasis = dict(card, 'emphasis_content');
  if (str(emphasis, 'title')) main.append(el('div', { class: 'card-emphasis-title' }, str(emphasis, 'title')));
  if (str(emphasis, 'desc')) main.append(el('div', { class: 'card-desc' }, str(emphasis, 'desc')));
  const quote = dict(card, 'quote_area');
  if (str(quote, 'title') || str(quote, 'quote_text')) {
    main.append(el('div', { class: 'card-quote' }, [str(quote, 'title'), str(quote, 'quote_text')].filter(Boolean).join('\n')));
  }
  if (str(card, 'sub_title_text')) main.append(el('div', { class: 'card-text' }, str(card, 'sub_title_text')));
  const imageText = dict(card, 'image_text_area');
  if (str(imageText, 'title')) main.append(el('div', { class: 'card-text' }, str(imageText, 'title')));
  if (str(imageText, 'desc')) main.append(el('div', { class: 'card-desc' }, str(imageText, 'desc')));
  const pairs = list(card, 'horizontal_content_list');
  if (pairs.length) {
    const dl = el('dl', { class: 'card-pairs' });
    for (const pair of pairs) dl.append(el('dt', {}, str(pair, 'keyname')), el('dd', {}, str(pair, 'value')));
    main.append(dl);
  }
  for (const item of list(card, 'vertical_content_list')) {
    main.append(el('div', { class: 'card-text' }, [str(item, 'title'), str(item, 'desc')].filter(Boolean).join('\n')));
  }
  for (const jump of list(card, 'jump_list')) {
    main.append(str(jump, 'url')
      ? el('a', { href: str(jump, 'url'), target: '_blank', rel: 'noopener' }, str(jump, 'title'))
      : el('div', { class: 'card-desc' }, str(jump, 'title')));
  }

  const done = m.replaced_button !== null && m.replaced_button !== undefined; // answered: nothing to change
  const choices = {}; // question_key → () => [option ids]
  const selection = dict(card, 'button_selection');
  if (str(selection, 'question_key')) choices[str(selection, 'question_key')] = renderSelect(main, selection, m.msgid, done);
  for (const select of list(card, 'select_list')) choices[str(select, 'question_key')] = renderSelect(main, select, m.msgid, done);
  const checkbox = dict(card, 'checkbox');
  if (str(checkbox, 'question_key')) choices[str(checkbox, 'question_key')] = renderOptions(main, checkbox, m.msgid, done);
  root.append(main);

  const bar = el('div', { class: 'card-actions' });
  if (done) {
    bar.append(el('button', { class: 'card-button replaced', type: 'button', disabled: true }, m.replaced_button));
  } else {
    for (const button of list(card, 'button_list')) {
      const style = button.style === 1 ? ' primary' : button.style === 3 ? ' danger' : '';
      if (button.type === 1 && str(button, 'url')) {
        bar.append(el('a', { class: `card-button${style}`, href: str(button, 'url'), target: '_blank', rel: 'noopener' }, str(button, 'text')));
        continue;
      }
      bar.append(el('button', {
        class: `card-button${style}`, type: 'button',
        onclick: (event) => pressButton(root, event.currentTarget, m, str(button, 'key'), choices, selection),
      }, str(button, 'text')));
    }
    const submit = dict(card, 'submit_button');
    if (str(submit, 'key')) {
      bar.append(el('button', {
        class: 'card-button primary', type: 'button',
        onclick: (event) => submitCard(root, event.currentTarget, m, str(submit, 'key'), choices),
      }, str(submit, 'text') || '提交'));
    }
  }
  if (bar.childElementCount) root.append(bar);
  return root;
}

function renderSelect(main, select, msgid, done) {
  const options = list(select, 'option_list');
  const id = `q-${msgid.slice(0, 12)}-${str(select, 'question_key')}`;
  const chosen = str(select, 'selected_id');
  const box = el('select', { id, disabled: done });
  for (const option of options) {
    box.append(el('option', { value: str(option, 'id'), selected: str(option, 'id') === chosen }, str(option, 'text')));
  }
  main.append(el('label', { class: 'card-question', for: id }, str(select, 'title') || '请选择'), box);
  return () => [box.value];
}

// A vote card's options: radio buttons (one choice) or checkboxes (mode 1: several).
function renderOptions(main, checkbox, msgid, done) {
  const multiple = checkbox.mode === 1;
  const name = `c-${msgid.slice(0, 16)}`;
  const fieldset = el('fieldset', { class: 'options', disabled: done },
    el('legend', { class: 'visually-hidden' }, '请选择'));
  const inputs = [];
  for (const option of list(checkbox, 'option_list')) {
    const input = el('input', {
      type: multiple ? 'checkbox' : 'radio', name, value: str(option, 'id'), checked: option.is_checked === true,
    });
    const label = el('label', { class: input.checked ? 'option checked' : 'option' }, input, str(option, 'text'));
    input.addEventListener('change', () => {
      for (const other of inputs) other.parentElement.classList.toggle('checked', other.checked);
    });
    inputs.push(input);
    fieldset.append(label);
  }
  main.append(fieldset);
  return () => inputs.filter((input) => input.checked).map((input) => input.value);
}

function setPending(root, button, pending) {
  for (const other of root.querySelectorAll('button')) other.disabled = pending;
  if (button) button.classList.toggle('pending', pending);
}

async function act(root, button, path, body) {
  setPending(root, button, true);
  try {
    answered(await post(path, body));
  } catch (error) {
    toast(error.message, true);
  } finally {
    if (root.isConnected) setPending(root, button, false); // an updated card is drawn anew
  }
}

function pressButton(root, button, m, key, choices, selection) {
  const question = str(selection, 'question_key');
  if (question && choices[question]) {
    return act(root, button, '/select', { msgid: m.msgid, question_key: question, option_ids: choices[question](), key });
  }
  return act(root, button, '/press', { msgid: m.msgid, key });
}

function submitCard(root, button, m, key, choices) {
  const selections = {};
  for (const [question, chosen] of Object.entries(choices)) selections[question] = chosen();
  if (Object.values(selections).some((ids) => ids.length === 0)) {
    toast('请先选择一项', true);
    return null;
  }
  return act(root, button, '/select', { msgid: m.msgid, selections, key });
}

// ----------------------------------------------------------------------------------------------- sending

async function sendText(event) {
  event.preventDefault();
  const input = document.getElementById('input');
  const content = input.value;
  if (!content.trim()) return;
  const button = document.getElementById('send');
  button.disabled = true;
  input.value = '';
  resize();
  try {
    const result = await post('/text', { content });
    if (result.mine) showMine(result.mine);
    answered(result);
  } catch (error) {
    input.value = content;
    resize();
    toast(`发送失败：${error.message}`, true);
  } finally {
    button.disabled = false;
    input.focus();
  }
}

async function sendSample(sample, button) {
  button.disabled = true;
  try {
    const result = await post('/sample', { name: sample.name });
    if (result.mine) showMine(result.mine);
    answered(result);
    toggleExtras(false);
  } catch (error) {
    toast(`发送失败：${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

async function sendImageFile(event) {
  const input = event.currentTarget;
  const file = input.files && input.files[0];
  if (!file) return;
  const form = new FormData();
  form.append('file', file, file.name);
  try {
    const result = await api(`${base}/image`, { method: 'POST', body: form });
    if (result.mine) showMine(result.mine);
    answered(result);
    toggleExtras(false);
  } catch (error) {
    toast(`发送失败：${error.message}`, true);
  } finally {
    input.value = '';
  }
}

function toggleExtras(open) {
  const extras = document.getElementById('extras');
  const show = open === undefined ? extras.hidden : open;
  extras.hidden = !show;
  document.getElementById('more').setAttribute('aria-expanded', String(show));
}

function resize() {
  const input = document.getElementById('input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 110)}px`;
}

function setupComposer() {
  const input = document.getElementById('input');
  document.getElementById('composer').addEventListener('submit', sendText);
  input.addEventListener('input', resize);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById('composer').requestSubmit();
    }
  });
  document.getElementById('more').addEventListener('click', () => toggleExtras());
  document.getElementById('image-file').addEventListener('change', sendImageFile);
  const samples = document.getElementById('samples');
  for (const sample of state.cfg.samples || []) {
    const word = sample.kind === 'image' ? '图片' : '语音';
    const button = el('button', { class: 'sample-button', type: 'button' }, `发送示例${word}：${sample.title}`);
    button.addEventListener('click', () => sendSample(sample, button));
    samples.append(button);
  }
}

// ---------------------------------------------------------------------------------------------- the poll

function startOver(instance) {
  for (const item of state.items) item.node.remove();
  state.items = [];
  state.after = 0;
  state.version = null;
  state.mine = 0;
  state.instance = instance;
  document.getElementById('empty').hidden = false;
}

async function poll() {
  for (;;) {
    const params = new URLSearchParams({ after: state.after, mine: state.mine, timeout: POLL_SECONDS });
    if (state.version !== null) params.set('version', state.version);
    let body;
    try {
      body = await api(`${base}/messages?${params}`);
      document.getElementById('connection').hidden = true;
    } catch {
      document.getElementById('connection').hidden = false;
      await sleep(RETRY_MS);
      continue;
    }
    if (state.instance !== null && body.instance !== state.instance) {
      startOver(body.instance); // the sandbox started again: everything is new
      continue;
    }
    state.instance = body.instance;
    for (const item of body.mine) showMine(item);
    for (const message of body.messages) showMessage(message);
    state.after = Math.max(state.after, body.count);
    state.mine = Math.max(state.mine, body.mine_count);
    state.version = body.version;
  }
}

async function boot() {
  try {
    state.cfg = await api(`${base}/config`);
  } catch (error) {
    document.getElementById('empty').textContent = `无法打开：${error.message}`;
    return;
  }
  document.title = `${state.cfg.app} · ${state.cfg.name} · 企业微信`;
  document.getElementById('who').textContent = state.cfg.name;
  document.querySelector('.app-name').textContent = state.cfg.app;
  state.instance = state.cfg.instance;
  setupComposer();
  document.body.dataset.ready = 'true';
  poll();
}

boot();
