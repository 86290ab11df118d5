// Headless Chromium driven over the DevTools protocol through a pipe (no npm package), for the
// console's browser tests: open a page, evaluate expressions in it, wait for a condition.
//   const b = await openPage(url, profileDir); await b.waitFor('expr', 'what'); b.close();
import { spawn } from 'node:child_process';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function openPage(url, profile, timeoutMs = 45000) {
  const chrome = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--remote-debugging-pipe',
    `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => {
    console.error(`timeout: ${timeoutMs / 1000} s`);
    chrome.kill('SIGKILL');
    process.exit(2);
  }, timeoutMs);

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

  const { targetId } = await send('Target.createTarget', { url });
  const { sessionId: session } = await send('Target.attachToTarget', { targetId, flatten: true });
  const evaluate = async (expression) => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, session);
    if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  // Polls `expression` every 100 ms for 10 s (one that throws, as on a page still loading,
  // counts as false); throws with the page's text when it never holds.
  const waitFor = async (expression, what) => {
    let last = '';
    for (let i = 0; i < 100; i++) {
      try {
        if (await evaluate(expression)) return;
      } catch (e) {
        last = e.message;
      }
      await sleep(100);
    }
    const text = await evaluate('document.body ? document.body.innerText : "(no body)"').catch((e) => e.message);
    throw new Error('never: ' + what + (last ? ' (last error: ' + last + ')' : '') + '\n' + text);
  };
  // The admin token typed in the header's form and kept for the session, as an operator does.
  const signIn = async (token) => {
    await evaluate(`document.getElementById('token').value = ${JSON.stringify(token)};
      document.getElementById('token-form').requestSubmit(); sessionStorage.getItem('conventiond-token') !== null`);
  };
  const close = () => { clearTimeout(killer); chrome.kill('SIGKILL'); };
  return { evaluate, waitFor, signIn, close };
}

// Opens `url`, runs `steps(page)`, and exits the process: 0 when they finished, 1 (with the
// error's message on stderr) when one threw.
export async function drive(url, profile, steps) {
  let page;
  try {
    page = await openPage(url, profile);
    await steps(page);
    page.close();
    process.exit(0);
  } catch (e) {
    console.error(e.message);
    if (page) page.close();
    process.exit(1);
  }
}
