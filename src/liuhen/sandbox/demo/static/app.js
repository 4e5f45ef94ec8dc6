// 留痕 demo page: every phone is a chat of a simulated user with the real bot, through the sandbox's
// simulation API (/sim/{token}/...). The demo adds /demo/api/config, /demo/api/events (one long poll for all
// phones), /demo/api/records and /demo/samples/{name}. Plain JS, no build step.
'use strict';

const TZ = 'Asia/Shanghai';
const RECORDS_EVERY_MS = 3000;
const PRESS_TIMEOUT_MS = 8000;
const ORIGIN_AGO = [
  { key: 600, label: '10 分钟前' },
  { key: 3600, label: '1 小时前' },
  { key: 86400, label: '昨天这个时候' },
  { key: 3 * 86400, label: '3 天前' },
];
const ROLE_COLORS = ['#e17076', '#7bc862', '#e5ca77', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774'];

const ICONS = {
  attach: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M12 5v14M5 12h14"/></svg>',
  send: '<svg viewBox="0 0 24 24" fill="currentColor"><path d="M3.4 20.4 21 12 3.4 3.6 3.3 10.1 15 12 3.3 13.9z"/></svg>',
  file: '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z"/><path d="M14 3v5h5"/></svg>',
  forward: '<svg viewBox="0 0 24 24" width="17" height="17" fill="currentColor"><path d="M14 5l7 7-7 7v-4.1C9 14.9 5.6 16.4 3 20c1-5 4-10 11-11z"/></svg>',
  image: '<svg viewBox="0 0 24 24" width="17" height="17" fill="none" stroke="currentColor" stroke-width="2"><rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M21 17l-5-5-9 8"/></svg>',
  mic: '<svg viewBox="0 0 24 24" width="17" height="17" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/></svg>',
  folder: '<svg viewBox="0 0 24 24" width="17" height="17" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/></svg>',
};

const app = {
  cfg: null,
  sim: '',
  seq: 0,
  phones: new Map(), // user_id → Phone
  records: new Map(), // number → JSON (to flash what changed)
  recordsTimer: null,
};

// ------------------------------------------------------------------------------------------------- helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'html') node.innerHTML = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!response.ok) throw new Error((body && (body.error || body.description)) || `HTTP ${response.status}`);
  return body;
}

function simPost(path, body) {
  return api(app.sim + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function clock(unix) {
  return new Date(unix * 1000).toLocaleTimeString('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hour12: false });
}

function when(iso) {
  return new Date(iso).toLocaleString('zh-CN', {
    timeZone: TZ, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

function humanSize(size) {
  if (size === undefined || size === null) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function colorFor(index) { return ROLE_COLORS[index % ROLE_COLORS.length]; }

function initial(name) { return Array.from(name || '?')[0]; }

// A stable id for a forward's invented sender, from its name.
function nameId(name, base) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) % 900000007;
  return base + (hash % 90000000);
}

// ---------------------------------------------------------------------------------------- text & entities

const ENTITY_TAGS = { bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre', blockquote: 'blockquote', expandable_blockquote: 'blockquote' };

// Telegram entities count UTF-16 code units, as JavaScript strings do, so offsets index the string directly.
function renderText(text, entities, phone) {
  const root = el('div', { class: 'text' });
  const sorted = (entities || [])
    .filter((e) => e.length > 0)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendRange(root, text, sorted, 0, text.length, phone);
  return root;
}

function appendRange(parent, text, entities, start, end, phone) {
  let cursor = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const eStart = entity.offset;
    const eEnd = entity.offset + entity.length;
    if (eStart < cursor || eEnd > end) { i += 1; continue; }
    if (eStart > cursor) parent.append(text.slice(cursor, eStart));
    const inner = entities.filter((e, j) => j !== i && e.offset >= eStart && e.offset + e.length <= eEnd);
    const node = entityNode(entity, text.slice(eStart, eEnd), phone);
    appendRange(node, text, inner, eStart, eEnd, phone);
    parent.append(node);
    cursor = eEnd;
    i += 1;
  }
  if (cursor < end) parent.append(text.slice(cursor, end));
}

function entityNode(entity, slice, phone) {
  if (ENTITY_TAGS[entity.type]) return el(ENTITY_TAGS[entity.type]);
  if (entity.type === 'spoiler') return el('span', { class: 'spoiler' });
  if (entity.type === 'text_link' || entity.type === 'url') {
    const href = entity.type === 'url' ? slice : entity.url;
    return /^(https?|tg):/i.test(href || '') ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }) : el('span');
  }
  if (entity.type === 'bot_command' && phone) {
    return el('a', { href: '#', class: 'cmd', onclick: (ev) => { ev.preventDefault(); phone.sendText(slice); } });
  }
  return el('span');
}

// ------------------------------------------------------------------------------------------------- phone

class Phone {
  constructor(info, index) {
    this.info = info;
    this.index = index;
    this.userId = info.user_id;
    this.nodes = new Map(); // message_id → element
    this.views = new Map(); // message_id → message view
    this.pending = new Map(); // message_id → timer of a pressed button
    this.unread = 0;
    this.build();
  }

  build() {
    const info = this.info;
    this.statusEl = el('div', { class: 'status' }, '机器人');
    this.messagesEl = el('div', { class: 'messages', role: 'log', 'aria-live': 'polite' });
    this.replyKeyboardEl = el('div', { class: 'reply-keyboard', hidden: true });
    this.input = el('textarea', {
      rows: 1,
      placeholder: info.newcomer ? '发送 /start 登记码' : '输入消息…',
      'aria-label': `以${info.name}的身份输入消息`,
      onkeydown: (ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); this.submit(); }
      },
      oninput: () => this.autosize(),
    });
    this.attachButton = el('button', {
      class: 'icon-button attach', title: '转发消息、发送截图或文件', 'aria-label': '附件', html: ICONS.attach,
      onclick: (ev) => { ev.stopPropagation(); this.toggleMenu(); },
    });
    const sendButton = el('button', { class: 'icon-button send', title: '发送', 'aria-label': '发送', html: ICONS.send, onclick: () => this.submit() });
    this.fileInput = el('input', { type: 'file', hidden: true, onchange: () => this.sendChosenFile() });
    this.toastsEl = el('div', { class: 'toasts' });
    this.menu = this.buildMenu();
    this.hintEl = info.newcomer ? el('div', { class: 'hint' }) : null;

    this.screen = el('div', { class: 'screen' },
      el('div', { class: 'chat-header' },
        el('div', { class: 'avatar bot' }, '痕'),
        el('div', {}, el('div', { class: 'title' }, (app.cfg.bot && app.cfg.bot.name) || '留痕'), this.statusEl)),
      this.messagesEl,
      this.hintEl,
      this.replyKeyboardEl,
      el('div', { class: 'composer' }, this.attachButton, this.input, sendButton, this.fileInput),
      this.menu,
      this.toastsEl);
    this.caption = el('div', { class: 'phone-caption' },
      el('b', {}, info.name),
      el('small', {}, info.newcomer ? `${info.title} · 试试登记` : info.title),
      info.desk ? el('a', {
        class: 'desk-link', href: info.desk, target: '_blank', rel: 'noopener',
        title: `以${info.name}的身份打开网页工作台（一次性登录链接，如同在聊天中发送 /desk）`,
      }, '网页工作台 ↗') : null);
    this.root = el('section', {
      class: 'phone', id: `phone-${info.staff_id}`,
      dataset: { user: String(info.user_id), staff: info.staff_id },
      'aria-label': `${info.name}的手机`,
    }, this.caption, this.screen);
    this.renderEmpty();
    this.updateHint();
  }

  buildMenu() {
    const item = (action, icon, color, title, sub, handler) => el('button', {
      dataset: { action }, onclick: (ev) => { ev.stopPropagation(); this.closeMenu(); handler(); },
    }, el('span', { class: 'mi-icon', style: `background:${color}`, html: icon }), el('span', {}, title, sub ? el('span', { class: 'mi-sub' }, sub) : null));
    const items = [item('forward', ICONS.forward, '#3390ec', '转发一条消息…', '选择示例，或自己填写发送人和内容', () => this.openForward())];
    for (const sample of app.cfg.samples) {
      const icon = sample.kind === 'photo' ? ICONS.image : ICONS.mic;
      const color = sample.kind === 'photo' ? '#4fae4e' : '#e5a44a';
      items.push(item(`sample:${sample.name}`, icon, color, `示例：${sample.title}`, `${sample.filename} · ${humanSize(sample.size)}`, () => this.sendSample(sample)));
    }
    items.push(item('file', ICONS.folder, '#8e7cc3', '从电脑选择文件…', '图片、录音或任意文件', () => this.fileInput.click()));
    this.asDocument = el('input', { type: 'checkbox' });
    const menu = el('div', { class: 'attach-menu', hidden: true, onclick: (ev) => ev.stopPropagation() },
      items,
      el('label', {}, this.asDocument, '图片以文件形式发送（保留原图）'));
    return menu;
  }

  toggleMenu() {
    if (this.menu.hidden) {
      for (const phone of app.phones.values()) if (phone !== this) phone.closeMenu();
      this.menu.hidden = false;
      this.attachButton.classList.add('open');
    } else this.closeMenu();
  }

  closeMenu() {
    this.menu.hidden = true;
    this.attachButton.classList.remove('open');
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 100)}px`;
  }

  renderEmpty() {
    if (this.nodes.size) { if (this.emptyEl) { this.emptyEl.remove(); this.emptyEl = null; } return; }
    if (this.emptyEl) return;
    const text = this.info.newcomer
      ? '还没有消息。\n新同事要先登记：在下方发送“/start 登记码”。'
      : '还没有消息。';
    this.emptyEl = el('div', { class: 'empty-chat' }, text);
    this.messagesEl.append(this.emptyEl);
  }

  updateHint() {
    if (!this.hintEl) return;
    const code = app.cfg.newcomer_code;
    const enrolled = Array.from(this.views.values()).some((m) => m.from_bot && /已完成登记/.test(m.text || ''));
    if (!code || enrolled) { this.hintEl.hidden = true; return; }
    this.hintEl.hidden = false;
    this.hintEl.replaceChildren(
      el('span', {}, '登记码 ', el('code', { class: 'code' }, code)),
      el('button', { onclick: () => this.sendText(`/start ${code}`) }, '发送 /start'));
  }

  // sending ---------------------------------------------------------------------------------------------

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.autosize();
    this.sendText(text);
  }

  async sendText(text) {
    try {
      await simPost('/messages', { user_id: this.userId, text });
    } catch (error) {
      this.toast(`发送失败：${error.message}`, true);
    }
  }

  async forward({ text, sender, origin, ago }) {
    const date = Math.floor(Date.now() / 1000) - ago;
    let forwardOrigin;
    if (origin === 'user') {
      forwardOrigin = { type: 'user', date, sender_user: { id: nameId(sender, 7000000000), is_bot: false, first_name: sender } };
    } else if (origin === 'hidden_user') {
      forwardOrigin = { type: 'hidden_user', date, sender_user_name: sender };
    } else if (origin === 'chat') {
      forwardOrigin = { type: 'chat', date, sender_chat: { id: -nameId(sender, 1001000000000), type: 'supergroup', title: sender } };
    } else {
      forwardOrigin = { type: 'channel', date, chat: { id: -nameId(sender, 1002000000000), type: 'channel', title: sender }, message_id: 1 + (nameId(text, 0) % 5000) };
    }
    try {
      await simPost('/messages', { user_id: this.userId, text, forward_origin: forwardOrigin });
    } catch (error) {
      this.toast(`转发失败：${error.message}`, true);
    }
  }

  async sendFile(blob, filename, kind, mimeType, extra = {}) {
    const form = new FormData();
    form.append('user_id', String(this.userId));
    form.append('kind', kind);
    form.append('filename', filename);
    if (mimeType) form.append('mime_type', mimeType);
    const caption = this.input.value.trim();
    if (caption) { form.append('caption', caption); this.input.value = ''; this.autosize(); }
    for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== null) form.append(key, String(value));
    form.append('file', blob, filename);
    try {
      await api(`${app.sim}/files`, { method: 'POST', body: form });
    } catch (error) {
      this.toast(`发送失败：${error.message}`, true);
    }
  }

  async sendSample(sample) {
    try {
      const response = await fetch(sample.url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      const kind = sample.kind === 'photo' && this.asDocument.checked ? 'document' : sample.kind;
      const extra = sample.kind === 'audio' ? { duration: 3, title: sample.title } : {};
      await this.sendFile(blob, sample.filename, kind, sample.mime_type, extra);
    } catch (error) {
      this.toast(`示例文件读取失败：${error.message}`, true);
    }
  }

  async sendChosenFile() {
    const file = this.fileInput.files && this.fileInput.files[0];
    this.fileInput.value = '';
    if (!file) return;
    const type = (file.type || '').toLowerCase();
    const ext = (file.name.split('.').pop() || '').toLowerCase();
    let kind = 'document';
    if (/^image\/(jpeg|png|webp|gif|bmp)$/.test(type) && !this.asDocument.checked) kind = 'photo';
    else if (type === 'audio/ogg' || type === 'audio/opus' || ['ogg', 'oga', 'opus'].includes(ext)) kind = 'voice';
    else if (type.startsWith('audio/')) kind = 'audio';
    else if (type.startsWith('video/')) kind = 'video';
    const extra = {};
    if (kind === 'audio' || kind === 'voice' || kind === 'video') extra.duration = await mediaDuration(file);
    await this.sendFile(file, file.name, kind, file.type || 'application/octet-stream', extra);
  }

  async press(messageId, button, buttonEl) {
    if (this.pending.has(messageId)) return;
    buttonEl.classList.add('pending');
    const timer = setTimeout(() => this.clearPending(messageId), PRESS_TIMEOUT_MS);
    this.pending.set(messageId, timer);
    try {
      await simPost('/press', { user_id: this.userId, message_id: messageId, data: button.callback_data });
    } catch (error) {
      this.clearPending(messageId);
      this.toast(`按钮无效：${error.message}`, true);
    }
  }

  clearPending(messageId) {
    const timer = this.pending.get(messageId);
    if (timer) clearTimeout(timer);
    this.pending.delete(messageId);
    const node = this.nodes.get(messageId);
    if (node) node.querySelectorAll('.ikb button.pending').forEach((b) => b.classList.remove('pending'));
  }

  // forward sheet ---------------------------------------------------------------------------------------

  openForward() {
    const cfg = app.cfg;
    const preset = el('select', { name: 'preset' },
      cfg.prepared.map((m, i) => el('option', { value: String(i) }, m.title)),
      el('option', { value: 'custom' }, '自己填写…'));
    const sender = el('input', { name: 'sender', maxlength: 64 });
    const origin = el('select', { name: 'origin' }, cfg.forward_kinds.map((k) => el('option', { value: k.key }, k.label)));
    const ago = el('select', { name: 'ago' }, ORIGIN_AGO.map((a) => el('option', { value: String(a.key) }, a.label)));
    const text = el('textarea', { name: 'text', maxlength: 4096 });
    const fill = () => {
      const chosen = cfg.prepared[Number(preset.value)];
      if (!chosen) { text.value = ''; sender.value = ''; text.focus(); return; }
      sender.value = chosen.sender;
      origin.value = chosen.origin;
      text.value = chosen.text;
    };
    preset.addEventListener('change', fill);
    fill();
    const close = () => sheet.remove();
    const submit = async (ev) => {
      ev.preventDefault();
      const body = { text: text.value.trim(), sender: sender.value.trim() || '未知', origin: origin.value, ago: Number(ago.value) };
      if (!body.text) { text.focus(); return; }
      close();
      await this.forward(body);
    };
    const sheet = el('div', { class: 'sheet', onclick: (ev) => { if (ev.target === sheet) close(); } },
      el('form', { class: 'sheet-body', onsubmit: submit },
        el('h3', {}, '转发一条消息'),
        el('label', {}, '示例', preset),
        el('div', { class: 'row2' }, el('label', {}, '原发送人', sender), el('label', {}, '来源类型', origin)),
        el('label', {}, '原消息时间', ago),
        el('label', {}, '消息内容', text),
        el('div', { class: 'sheet-actions' },
          el('button', { type: 'button', class: 'btn ghost', onclick: close }, '取消'),
          el('button', { type: 'submit', class: 'btn primary do-forward' }, '转发'))));
    this.screen.append(sheet);
  }

  // receiving -------------------------------------------------------------------------------------------

  load(chat) {
    for (const message of chat.messages) this.upsert(message, false);
    this.showReplyKeyboard(chat.reply_keyboard);
    this.scrollToEnd(true);
  }

  apply(event, live) {
    switch (event.type) {
      case 'message':
      case 'edited_message': {
        const isNew = !this.nodes.has(event.message_id);
        this.upsert(event.message, live && event.type === 'edited_message');
        if (event.message.from_bot && event.message.keyboard) this.showReplyKeyboard(event.message.keyboard);
        if (live && isNew && event.message.from_bot) this.markUnread();
        if (event.message.from_bot) this.setStatus('机器人');
        break;
      }
      case 'deleted_message': {
        const node = this.nodes.get(event.message_id);
        if (node) node.remove();
        this.nodes.delete(event.message_id);
        this.views.delete(event.message_id);
        this.renderEmpty();
        break;
      }
      case 'callback_answer': {
        const answer = event.answer || {};
        this.clearPending(answer.message_id);
        if (answer.text) (answer.show_alert ? this.alert(answer.text) : this.toast(answer.text));
        if (answer.url) this.toast(`打开链接：${answer.url}`);
        break;
      }
      case 'chat_action':
        this.setStatus(event.action === 'typing' ? '正在输入…' : '正在发送文件…', true);
        clearTimeout(this.statusTimer);
        this.statusTimer = setTimeout(() => this.setStatus('机器人'), 4000);
        break;
      default:
        break;
    }
  }

  setStatus(text, active = false) {
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle('typing', active);
  }

  upsert(message, flash) {
    if (message.deleted) return;
    const id = message.message_id;
    const stick = this.nearEnd();
    const node = this.renderMessage(message);
    const old = this.nodes.get(id);
    if (old) {
      old.replaceWith(node);
    } else {
      const later = Array.from(this.nodes.keys()).filter((k) => k > id).sort((a, b) => a - b)[0];
      if (later !== undefined) this.nodes.get(later).before(node);
      else this.messagesEl.append(node);
    }
    if (flash) node.classList.add('flash');
    this.nodes.set(id, node);
    this.views.set(id, message);
    if (this.pending.has(id) && old) this.clearPending(id);
    this.renderEmpty();
    this.updateHint();
    if (!old || stick) this.scrollToEnd(!old);
  }

  renderMessage(m) {
    const out = !m.from_bot;
    const bubble = el('div', { class: 'bubble' });
    if (m.forward_origin) bubble.append(forwardHeader(m.forward_origin));
    if (m.reply_to_message) {
      const quoted = m.reply_to_message.text || m.reply_to_message.caption || '[媒体]';
      bubble.append(el('div', { class: 'reply-quote' }, quoted));
    }
    const media = this.media(m);
    bubble.append(...media);
    if (m.photo && !m.caption && !m.forward_origin) bubble.classList.add('media-only');
    const meta = el('span', { class: 'meta' }, m.edit_date ? el('span', { class: 'edited' }, '已编辑') : null, clock(m.date));
    const body = m.text !== undefined ? m.text : m.caption;
    if (body) {
      const text = renderText(body, m.text !== undefined ? m.entities : m.caption_entities, this);
      text.append(meta);
      bubble.append(text);
    } else {
      bubble.append(el('div', { class: 'text' }, meta));
    }
    const node = el('div', { class: `msg ${out ? 'out' : 'in'}`, dataset: { id: String(m.message_id) } }, bubble);
    const keyboard = m.reply_markup && m.reply_markup.inline_keyboard;
    if (keyboard && keyboard.length) node.append(this.inlineKeyboard(m.message_id, keyboard));
    return node;
  }

  media(m) {
    const url = m.file_url;
    const parts = [];
    if (m.photo) {
      const img = el('img', { class: 'photo', src: url, alt: '图片', loading: 'lazy', onclick: () => window.open(url, '_blank', 'noopener') });
      img.addEventListener('load', () => { if (this.nearEnd(260)) this.scrollToEnd(false); });
      parts.push(img);
    }
    if (m.voice || m.audio) {
      const a = m.voice || m.audio;
      const title = m.voice ? `语音 · ${duration(a.duration)}` : (a.title || a.file_name || '音频');
      parts.push(fileRow(url, title, `${m.voice ? '语音消息' : `音频 · ${duration(a.duration)}`} · ${humanSize(a.file_size)}`, a.file_name || (m.voice ? 'voice.ogg' : 'audio')));
      parts.push(el('audio', { controls: true, preload: 'none', src: url }));
    }
    if (m.video || m.video_note) {
      const v = m.video || m.video_note;
      parts.push(el('video', { controls: true, preload: 'metadata', src: url }));
      parts.push(el('div', { class: 'file-sub' }, `视频 · ${duration(v.duration)} · ${humanSize(v.file_size)}`));
    }
    if (m.document) {
      const d = m.document;
      parts.push(fileRow(url, d.file_name || '文件', `${humanSize(d.file_size)}${d.mime_type ? ` · ${d.mime_type}` : ''}`, d.file_name || 'file'));
    }
    return parts;
  }

  inlineKeyboard(messageId, rows) {
    return el('div', { class: 'ikb' }, rows.map((row) => el('div', { class: 'ikb-row' }, row.map((button) => {
      if (button.url) return el('a', { class: 'url-button', href: button.url, target: '_blank', rel: 'noopener noreferrer' }, button.text);
      const node = el('button', { type: 'button', dataset: { data: button.callback_data || '' } }, button.text);
      node.addEventListener('click', () => this.press(messageId, button, node));
      if (this.pending.has(messageId)) node.disabled = true;
      return node;
    }))));
  }

  showReplyKeyboard(keyboard) {
    const rows = keyboard && keyboard.keyboard;
    if (!rows || keyboard.remove_keyboard) { this.replyKeyboardEl.hidden = true; return; }
    this.replyKeyboardEl.replaceChildren(...rows.map((row) => el('div', { class: 'rk-row' }, row.map((b) => {
      const text = typeof b === 'string' ? b : b.text;
      return el('button', { type: 'button', onclick: () => { this.sendText(text); if (keyboard.one_time_keyboard) this.replyKeyboardEl.hidden = true; } }, text);
    }))));
    this.replyKeyboardEl.hidden = false;
  }

  nearEnd(slack = 80) {
    const m = this.messagesEl;
    return m.scrollHeight - m.scrollTop - m.clientHeight < slack;
  }

  scrollToEnd(smooth) {
    const m = this.messagesEl;
    requestAnimationFrame(() => m.scrollTo({ top: m.scrollHeight, behavior: smooth ? 'smooth' : 'auto' }));
  }

  toast(text, error = false) {
    const node = el('div', { class: `toast${error ? ' error' : ''}`, role: 'status' }, text);
    this.toastsEl.append(node);
    setTimeout(() => node.remove(), error ? 5000 : 3200);
  }

  alert(text) {
    const box = el('div', { class: 'alert', role: 'alertdialog' },
      el('div', { class: 'alert-box' }, el('p', {}, text), el('button', { class: 'btn primary', onclick: () => box.remove() }, '确定')));
    this.screen.append(box);
  }

  markUnread() {
    if (this.visible) return;
    this.unread += 1;
    updateChips();
  }
}

function forwardHeader(origin) {
  const kinds = { user: '', hidden_user: '（隐藏账号）', chat: '（群组）', channel: '（频道）' };
  let name = '未知';
  if (origin.type === 'user' && origin.sender_user) name = [origin.sender_user.first_name, origin.sender_user.last_name].filter(Boolean).join(' ');
  else if (origin.type === 'hidden_user') name = origin.sender_user_name;
  else if (origin.type === 'chat' && origin.sender_chat) name = origin.sender_chat.title;
  else if (origin.type === 'channel' && origin.chat) name = origin.chat.title;
  return el('div', { class: 'fwd' }, '转发自 ', el('b', {}, name), el('span', { class: 'fwd-kind' }, kinds[origin.type] || ''));
}

function fileRow(url, name, sub, downloadName) {
  return el('div', { class: 'file' },
    el('a', { class: 'file-icon', href: url, download: downloadName, title: '下载', html: ICONS.file }),
    el('div', {},
      el('div', { class: 'file-name' }, name),
      el('div', { class: 'file-sub' }, sub, ' · ', el('a', { href: url, download: downloadName }, '下载'))));
}

function mediaDuration(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const probe = document.createElement(file.type.startsWith('video/') ? 'video' : 'audio');
    const done = (value) => { URL.revokeObjectURL(url); resolve(Math.max(1, Math.round(value || 1))); };
    probe.preload = 'metadata';
    probe.onloadedmetadata = () => done(Number.isFinite(probe.duration) ? probe.duration : 1);
    probe.onerror = () => done(1);
    setTimeout(() => done(1), 3000);
    probe.src = url;
  });
}

// --------------------------------------------------------------------------------------- top bar & layout

function buildChips() {
  const nav = document.getElementById('people');
  nav.replaceChildren(...Array.from(app.phones.values()).map((phone) => {
    phone.badge = el('span', { class: 'badge', hidden: true });
    phone.chip = el('button', {
      class: 'person-chip', type: 'button', title: phone.info.title,
      onclick: () => phone.root.scrollIntoView({ behavior: 'smooth', inline: 'center', block: 'nearest' }),
    }, el('span', { class: 'avatar', style: `background:${colorFor(phone.index)}` }, initial(phone.info.name)), phone.info.name, phone.badge);
    return phone.chip;
  }));
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const phone = app.phones.get(Number(entry.target.dataset.user));
      if (!phone) continue;
      phone.visible = entry.intersectionRatio >= 0.6;
      if (phone.visible) phone.unread = 0;
    }
    updateChips();
  }, { root: document.getElementById('phones'), threshold: [0, 0.6, 1] });
  for (const phone of app.phones.values()) observer.observe(phone.root);
}

function updateChips() {
  for (const phone of app.phones.values()) {
    if (!phone.chip) continue;
    phone.chip.classList.toggle('visible', !!phone.visible);
    phone.badge.hidden = !phone.unread;
    phone.badge.textContent = String(phone.unread);
  }
}

document.addEventListener('click', () => { for (const phone of app.phones.values()) phone.closeMenu(); });

// ------------------------------------------------------------------------------------------------ events

async function pollEvents() {
  for (;;) {
    try {
      const answer = await api(`/demo/api/events?after=${app.seq}&timeout=25`);
      if (answer.instance !== app.cfg.instance) { window.location.reload(); return; } // the demo restarted
      for (const event of answer.events) {
        const phone = app.phones.get(event.user_id);
        if (phone) phone.apply(event, true);
      }
      app.seq = Math.max(app.seq, answer.seq);
      if (answer.events.length) scheduleRecords(400);
    } catch (error) {
      await sleep(2000); // the demo was stopped or restarted: try again
    }
  }
}

// ----------------------------------------------------------------------------------------------- records

function scheduleRecords(delay) {
  clearTimeout(app.recordsTimer);
  app.recordsTimer = setTimeout(refreshRecords, delay);
}

async function refreshRecords() {
  try {
    const answer = await api('/demo/api/records');
    renderRecords(answer.records || []);
    document.getElementById('records-updated').textContent = `更新于 ${when(answer.at || new Date().toISOString()).split(' ').pop()}`;
  } catch (error) {
    document.getElementById('records-updated').textContent = '暂时无法读取';
  }
  scheduleRecords(RECORDS_EVERY_MS);
}

function renderRecords(records) {
  const root = document.getElementById('records');
  if (!records.length) {
    if (!root.querySelector('.empty')) root.replaceChildren(el('div', { class: 'empty' }, '还没有记录。张法官转发一条消息后，这里会出现一条草稿。'));
    app.records.clear();
    return;
  }
  const features = app.cfg.features || {};
  const seen = new Map();
  root.replaceChildren(...records.map((r) => {
    const fingerprint = JSON.stringify([r.status, r.evidence.length, r.type]);
    seen.set(r.number, fingerprint);
    const changed = app.records.has(r.number) && app.records.get(r.number) !== fingerprint;
    const evidence = r.evidence.map((e) => el('li', {},
      el('span', {}, `#${e.seq}`),
      el('span', {}, e.kind_label || e.kind),
      el('span', { class: 'muted' }, e.size_label || ''),
      el('span', { class: 'hash', title: e.sha256 ? `sha256 ${e.sha256}` : '' }, e.sha256 ? `${e.sha256.slice(0, 6)}…${e.sha256.slice(-4)}` : e.state)));
    const pdf = features.registration_pdf
      ? el('a', { class: 'link-button', href: `/demo/api/records/${r.id}/registration.pdf`, download: `${r.number}-登记表.pdf` }, '登记表 PDF')
      : el('button', { class: 'link-button', disabled: true, title: '即将提供' }, '登记表 PDF', el('span', { class: 'soon-tag' }, '即将提供'));
    const bundle = features.evidence_bundle
      ? el('a', { class: 'link-button', href: `/demo/api/records/${r.id}/evidence.zip`, download: `${r.number}-证据包.zip` }, '证据包')
      : el('button', { class: 'link-button', disabled: true, title: '即将提供' }, '证据包', el('span', { class: 'soon-tag' }, '即将提供'));
    const meta = [r.recorder_name || r.recorder, `${r.evidence.length} 项证据`, r.type_label, r.created_at ? when(r.created_at) : null]
      .filter(Boolean).join(' · ');
    return el('div', { class: `record${changed ? ' changed' : ''}`, dataset: { number: r.number, status: r.status } },
      el('div', { class: 'rec-head' },
        el('span', { class: 'rec-number' }, r.number),
        el('span', { class: `rec-status s-${r.status}` }, r.status_label || r.status)),
      el('div', { class: 'rec-meta' }, meta),
      evidence.length ? el('ul', { class: 'rec-evidence' }, evidence) : null,
      el('div', { class: 'rec-actions' }, pdf, bundle));
  }));
  app.records = seen;
}

function setupVerify() {
  const button = document.getElementById('verify');
  if (!(app.cfg.features || {}).verify) return;
  button.disabled = false;
  button.title = '';
  button.replaceChildren('运行 verify');
  button.addEventListener('click', async () => {
    const out = document.getElementById('verify-result');
    out.hidden = false;
    out.textContent = '正在核验…';
    try {
      const result = await api('/demo/api/verify', { method: 'POST' });
      out.textContent = result.output || (result.ok ? '完好' : '发现问题');
    } catch (error) {
      out.textContent = `核验失败：${error.message}`;
    }
  });
}

// The WeCom phone (on the WeCom sandbox's own server), opened in a tab of its own.
function setupWeComLink() {
  const phone = app.cfg.wecom_phone;
  if (!phone || !phone.url) return;
  const link = document.getElementById('wecom-phone');
  link.href = phone.url;
  link.textContent = `企业微信手机：${phone.name || ''}`;
  link.title = `以${phone.name || ''}的身份打开企业微信中的“留痕”应用（新标签页）`;
  link.hidden = false;
  document.getElementById('wecom-guide').hidden = false;
}

// -------------------------------------------------------------------------------------------------- boot

async function boot() {
  let cfg = null;
  while (!cfg || !cfg.ready) {
    try { cfg = await api('/demo/api/config'); } catch { cfg = null; }
    if (!cfg || !cfg.ready) await sleep(700);
  }
  app.cfg = cfg;
  app.sim = cfg.sim;
  app.seq = cfg.seq;
  document.getElementById('court').textContent = cfg.court;
  const root = document.getElementById('phones');
  cfg.phones.forEach((info, index) => {
    const phone = new Phone(info, index);
    app.phones.set(info.user_id, phone);
    root.append(phone.root);
  });
  buildChips();
  setupWeComLink();
  setupVerify();
  await Promise.all(Array.from(app.phones.values()).map(async (phone) => {
    try {
      phone.load(await api(`${app.sim}/chats/${phone.userId}`));
    } catch (error) {
      phone.toast(`读取聊天记录失败：${error.message}`, true);
    }
  }));
  document.getElementById('starting').hidden = true;
  document.body.dataset.ready = 'true';
  pollEvents();
  refreshRecords();
}

boot();
