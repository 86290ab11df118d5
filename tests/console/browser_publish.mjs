// Drives the console's Publication view in headless Chromium (tests/console/cdp.mjs) as an
// operator: the token typed in, "Tester" clicked on subscription 1 (a signed ping), then
// "Nouveau secret" on it (shown once), then subscription 2's dead letter replayed from its
// page, then "Reprendre" on that paused subscription.
//   node browser_publish.mjs BASE_URL TOKEN PROFILE_DIR
// Prints what the page said after each click and exits 0; prints what it saw otherwise.
import { drive } from './cdp.mjs';

const [base, tokenValue, profile] = process.argv.slice(2);
const msg = `(document.getElementById('msg') || {}).textContent || ''`;
await drive(`${base}/#/publish`, profile, async (page) => {
  const { evaluate, waitFor } = page;
  await waitFor(`document.body.innerText.includes('Entrez le jeton admin')`, 'the Publication view asking for the token');
  await page.signIn(tokenValue);
  await evaluate(`location.hash = '#/runs'; true`);  // leave and come back: the view reads the subscriptions
  await evaluate(`location.hash = '#/publish'; true`);
  await waitFor(`!!document.querySelector('button[data-ping="1"]') && !!document.querySelector('button[data-resume="2"]')`,
    'the subscriptions, the second paused');
  await evaluate(`document.querySelector('button[data-ping="1"]').click(); true`);
  await waitFor(`(${msg}).startsWith('Reçu : HTTP 204')`, 'the ping received');
  console.log('ping: ' + await evaluate(msg));
  // A new secret for subscription 1, shown once on the page.
  await evaluate(`document.querySelector('button[data-rotate="1"]').click(); true`);
  await waitFor(`(${msg}).startsWith('Nouveau secret (affiché une seule fois) : ')`, 'the new secret shown');
  console.log('rotate: ' + await evaluate(msg));
  // The dead letter of subscription 2, replayed from its page (the receiver now answers).
  await evaluate(`location.hash = '#/letters/2'; true`);
  await waitFor(`!!document.querySelector('button[data-replay]')`, 'the dead letters of subscription 2');
  await evaluate(`document.querySelector('button[data-replay]').click(); true`);
  await waitFor(`(${msg}) === 'OK'`, 'the dead letter replayed');
  console.log('replay: OK');
  await evaluate(`location.hash = '#/publish'; true`);
  await waitFor(`!!document.querySelector('button[data-resume="2"]')`, 'subscription 2 still paused, to resume');
  await evaluate(`document.querySelector('button[data-resume="2"]').click(); true`);
  await waitFor(`(${msg}) === 'OK'`, 'the subscription resumed');
  console.log('resume: OK');
});
