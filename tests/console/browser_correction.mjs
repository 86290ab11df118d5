// Drives the console in headless Chromium over the DevTools protocol (a pipe: no npm package)
// to make a correction as an operator would: the record's page, the admin token typed in the
// header's form, the correction form filled and submitted; then waits for the page to show it.
//   node browser_correction.mjs BASE_URL CONVENTION_ID TOKEN PROFILE_DIR
// Exit status 0 when the page showed the correction; prints what it saw otherwise.
import { drive } from './cdp.mjs';

const [base, id, tokenValue, profile] = process.argv.slice(2);
await drive(`${base}/#/c/${encodeURIComponent(id)}`, profile, async (page) => {
  const { evaluate, waitFor } = page;
  await waitFor(`!!document.getElementById('correct-form')`, 'the record page with its correction form');
  await page.signIn(tokenValue);
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
});
