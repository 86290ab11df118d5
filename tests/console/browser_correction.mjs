// Drives the console in headless Chromium over the DevTools protocol (a pipe: no npm package)
// to make a correction as an operator would: the record's page, the admin token typed in the
// header's form, the correction form filled and submitted; then waits for the page to show it.
//   node browser_correction.mjs BASE_URL CONVENTION_ID TOKEN PROFILE_DIR
// Exit status 0 when the page showed the correction; prints what it saw otherwise.
import { spawn } from 'node:child_process';

const [base, id, tokenValue, profile] = process.argv.slice(2);
const chrome = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--remote-debugging-pipe',
  `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const killer = setTimeout(() => { console.error('timeout: 45 s'); chrome.kill('SIGKILL'); process.exit(2); }, 45000);

// CDP over the pipe: JSON messages separated by NUL bytes (fd 3 to Chromium, fd 4 from it).
let nextId = 1, buffered = '';
const pending = new Map();
chrome.stdio[4].on('data', (chunk) => {
  buffered += chunk.toString('utf8');
  let nul;
  while ((nul = buffered.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buffered.slice(0, nul));
    buffered = buffered.slice(nul + 1);
    const p = msg.id && pending.get(msg.id);
    if (p) { pending.delete(msg.id); msg.error ? p.reject(new Error(JSON.stringify(msg.error))) : p.resolve(msg.result); }
  }
});
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  chrome.stdio[3].write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let session;
const evaluate = async (expression) => {
  const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, session);
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value;
};
const waitFor = async (expression, what) => {
  for (let i = 0; i < 100; i++) {
    if (await evaluate(expression)) return;
    await sleep(100);
  }
  throw new Error('never: ' + what + '\n' + await evaluate('document.body.innerText'));
};

try {
  const { targetId } = await send('Target.createTarget', { url: `${base}/#/c/${encodeURIComponent(id)}` });
  ({ sessionId: session } = await send('Target.attachToTarget', { targetId, flatten: true }));
  await waitFor(`!!document.getElementById('correct-form')`, 'the record page with its correction form');
  // The token, typed in the header's form and saved for the session.
  await evaluate(`document.getElementById('token').value = ${JSON.stringify(tokenValue)};
    document.getElementById('token-form').requestSubmit(); sessionStorage.getItem('conventiond-token') !== null`);
  // The correction.
  await evaluate(`(() => {
    const set = (id, v) => { document.getElementById(id).value = v; };
    set('c-kind', 'set'); set('c-field', 'funding.etat.2019');
    set('c-value', '{"amount_eur": 1234567}'); set('c-note', 'corrigé dans la console'); set('c-author', 'navigateur');
    document.getElementById('correct-form').requestSubmit();
  })()`);
  await waitFor(`document.getElementById('msg') && document.getElementById('msg').textContent === 'Correction enregistrée.'`,
    'the page saying the correction is saved');
  const text = (await evaluate('document.body.innerText')).replace(/\s/g, ' ');
  for (const want of ['1 234 567', 'corrigé dans la console', 'navigateur', 'avec corrections']) {
    if (!text.includes(want)) throw new Error(`the page does not show "${want}":\n${text}`);
  }
  console.log('the console made and shows the correction');
  clearTimeout(killer);
  chrome.kill('SIGKILL');
  process.exit(0);
} catch (e) {
  console.error(e.message);
  chrome.kill('SIGKILL');
  process.exit(1);
}
