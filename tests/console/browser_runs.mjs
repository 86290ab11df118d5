// Drives the console in headless Chromium (tests/console/cdp.mjs) as an operator acting on a
// run: the run's page (its counts live from the run's progress stream), the admin token typed
// in, "Annuler" clicked while it runs; once the page shows it cancelled with its failed items,
// "Relancer les échecs" clicked.
//   node browser_runs.mjs BASE_URL RUN_ID TOKEN PROFILE_DIR
// Prints "retry run N" (the run the retry started) and exits 0; prints what it saw otherwise.
import { drive } from './cdp.mjs';

const [base, id, tokenValue, profile] = process.argv.slice(2);
await drive(`${base}/#/run/${encodeURIComponent(id)}`, profile, async (page) => {
  const { evaluate, waitFor } = page;
  await waitFor(`!!document.querySelector('button[data-cancel="${id}"]')`, 'the running run with its cancel button');
  await page.signIn(tokenValue);
  // Its counts follow the run's progress stream.
  await waitFor(`(document.getElementById('run-counts') || {dataset: {}}).dataset.live === 'yes'`,
    'the counts updated from GET /v1/runs/{id}/stream');
  await evaluate(`document.querySelector('button[data-cancel="${id}"]').click(); true`);
  // The page reloads the run: cancelled, its failed items listed, a retry button.
  await waitFor(`!!document.querySelector('.st-run-cancelled') && !!document.querySelector('button[data-retry="${id}"]')`,
    'the run cancelled, with its retry button');
  const text = (await evaluate('document.body.innerText')).replace(/\s/g, ' ');
  if (!text.includes('/actualites/missing.html')) throw new Error(`the page does not list the failed item:\n${text}`);
  await evaluate(`document.querySelector('button[data-retry="${id}"]').click(); true`);
  await waitFor(`(document.getElementById('msg') || {}).textContent?.startsWith('OK : ')`, 'the retry accepted');
  const answer = JSON.parse((await evaluate(`document.getElementById('msg').textContent`)).slice(5));
  console.log(`retry run ${answer.run_id}`);
});
