#!/usr/bin/env node
// End-to-end test of the web page of `auralis serve` (docs/web.md) in headless Debian Chromium,
// driven by playwright-core (no browser download: executablePath /usr/bin/chromium).
//
//   node tests/e2e/web-player.js --url http://127.0.0.1:PORT/ [--token T] [--tracks N]
//                                [--screenshots DIR] [--chromium /usr/bin/chromium]
//
// The server must already be running over a scanned library of N tracks, all fingerprinted
// (tests/Auralis.Server.Tests/Web/BrowserTests.cs starts one). Prints one line per check and
// exits 0 when every check passed, 1 otherwise.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const path_ = path; // for the functions that name a local `path`
let globalArgs = null;
const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // The player's AudioContext starts from a click anyway; this keeps a headless run from
  // depending on how the browser counts synthetic gestures.
  '--autoplay-policy=no-user-gesture-required',
];
const GROUPS = ['frequency', 'dynamics', 'temporal', 'spectral', 'harmonic', 'variation', 'stereo'];
const WAIT_MS = 10_000;

function parseArgs(argv) {
  const args = { url: null, token: '', tracks: null, screenshots: null, chromium: '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (!(name in args) || value === undefined) {
      throw new Error(`unknown or incomplete argument --${name}`);
    }
    args[name] = name === 'tracks' ? Number(value) : value;
  }
  if (!args.url) {
    throw new Error('--url is required');
  }
  return args;
}

const started = Date.now();
let passed = 0;

function ok(message) {
  passed++;
  console.log(`ok ${passed} - ${message}`);
}

function skip(message) {
  console.log(`skip - ${message}`);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function pageUrl(args, withToken = true) {
  const url = new URL(args.url);
  if (withToken && args.token) {
    url.searchParams.set('token', args.token);
  }
  return url.toString();
}

async function api(args, relative) {
  const response = await fetch(new URL(relative, args.url), {
    headers: args.token ? { Authorization: `Bearer ${args.token}` } : {},
  });
  if (!response.ok) {
    throw new Error(`GET ${relative}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

/** Collects what must never happen on the page: script errors and CSP violations. */
function watch(page, problems) {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) {
      problems.push(`CSP violation: ${text}`);
    }
  });
}

const selectedId = (page) => page.locator('#fingerprint').getAttribute('data-track-id').then(Number);

async function waitForSelection(page, id) {
  await page.waitForFunction((want) => {
    const chart = document.getElementById('fingerprint');
    return chart.dataset.trackId === String(want) && chart.querySelectorAll('rect.fp-bar').length === 25;
  }, id, { timeout: WAIT_MS });
}

// -----------------------------------------------------------------------------------------------
// The library: table, search, sort, selection, chart, map, similar.

async function checkTokenPrompt(context, args) {
  if (!args.token) {
    skip('token prompt: the server has no token');
    return;
  }
  const page = await context.newPage();
  watch(page, []); // the 401s are expected here
  await page.goto(pageUrl(args, false));
  await page.locator('#banner').waitFor({ state: 'visible', timeout: WAIT_MS });
  const text = await page.locator('#banner').textContent();
  check(/needs a token/.test(text) && text.includes('?token='), `the banner should ask for ?token=, says: ${text}`);
  ok('without ?token= the page loads and says how to pass the token');
  await page.close();
}

async function checkLibrary(page, args) {
  const expected = args.tracks;
  const rows = page.locator('#tracks tbody tr');
  await page.waitForFunction((n) => document.querySelectorAll('#tracks tbody tr').length === n, expected, { timeout: WAIT_MS });
  const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.status));
  const listed = await api(args, '/api/tracks?limit=500');
  const want = listed.tracks.map((t) => t.status);
  check(JSON.stringify(statuses) === JSON.stringify(want), `the rows' statuses should be the API's: ${statuses.join(', ')} against ${want.join(', ')}`);
  check(statuses.every((s) => s === 'complete' || s === 'error'), `every track should be complete or failed, got ${statuses.join(', ')}`);
  const count = await page.locator('#track-count').textContent();
  check(count === `${expected} tracks`, `the track count should read "${expected} tracks", reads "${count}"`);
  ok(`the table lists the ${expected} tracks, ${statuses.filter((s) => s === 'complete').length} complete, ${statuses.filter((s) => s === 'error').length} failed ("${count}")`);

  // Sort by LUFS both ways: the column's numbers follow, and the header says so.
  // (A failed track has no LUFS: its empty cell is left out of the order.)
  const lufsColumn = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td.lufs').textContent).filter((t) => t !== '').map(Number));
  await page.click('#tracks th[data-sort="lufs"] button');
  await page.waitForSelector('#tracks th[data-sort="lufs"][aria-sort="ascending"]', { timeout: WAIT_MS });
  await page.waitForFunction(() => !document.getElementById('tracks').hasAttribute('aria-busy'));
  const ascending = await lufsColumn();
  check(ascending.every((v, i) => i === 0 || ascending[i - 1] <= v), `LUFS ascending: ${ascending}`);
  await page.click('#tracks th[data-sort="lufs"] button');
  await page.waitForSelector('#tracks th[data-sort="lufs"][aria-sort="descending"]', { timeout: WAIT_MS });
  await page.waitForFunction(() => !document.getElementById('tracks').hasAttribute('aria-busy'));
  const descending = await lufsColumn();
  check(descending.every((v, i) => i === 0 || descending[i - 1] >= v), `LUFS descending: ${descending}`);
  ok(`sorting by LUFS orders the rows both ways (${descending.join(', ')})`);

  // Search (debounced) for one file name, then clear it.
  const firstPath = await rows.first().locator('.path').textContent();
  const name = path.basename(firstPath, path.extname(firstPath));
  await page.fill('#search', name);
  await page.waitForFunction(() => document.querySelectorAll('#tracks tbody tr').length === 1, null, { timeout: WAIT_MS });
  const found = await rows.first().locator('.path').textContent();
  check(found === firstPath, `searching "${name}" should find ${firstPath}, found ${found}`);
  const matchText = await page.locator('#track-count').textContent();
  check(matchText === '1 track match', `the count should say "1 track match", says "${matchText}"`);
  await page.fill('#search', '');
  await page.waitForFunction((n) => document.querySelectorAll('#tracks tbody tr').length === n, expected, { timeout: WAIT_MS });
  ok(`searching "${name}" narrows the table to that track and clearing restores it`);
}

async function checkSelectionChartMapSimilar(page, args) {
  // Select a row: the detail, the chart (25 bars in 7 groups) and the similar list follow.
  const row = page.locator('#tracks tbody tr[data-status="complete"]').nth(1);
  const rowId = Number(await row.getAttribute('data-track-id'));
  await row.click();
  await waitForSelection(page, rowId);
  check(await row.getAttribute('aria-selected') === 'true', 'the clicked row should be marked selected');
  const groups = await page.locator('#fingerprint g.fp-group').evaluateAll((gs) => gs.map((g) => ({
    name: g.dataset.group,
    bars: g.querySelectorAll('rect.fp-bar').length,
    labels: [...g.querySelectorAll('.fp-label')].map((t) => t.textContent),
    values: [...g.querySelectorAll('.fp-value')].map((t) => t.textContent),
  })));
  check(JSON.stringify(groups.map((g) => g.name)) === JSON.stringify(GROUPS), `groups: ${groups.map((g) => g.name)}`);
  check(groups.reduce((n, g) => n + g.bars, 0) === 25, 'the chart should have 25 bars');
  const dynamics = groups.find((g) => g.name === 'dynamics');
  check(dynamics.labels.join() === 'lufs,crest_db,bass_mid_ratio', `dynamics labels: ${dynamics.labels}`);
  check(/LUFS$/.test(dynamics.values[0]) && /dB$/.test(dynamics.values[1]), `values carry units: ${dynamics.values}`);
  const source = await page.locator('#fingerprint-source').textContent();
  check(/source: database/.test(source), `the chart should name its source, says "${source}"`);
  ok(`selecting a row draws its fingerprint: 25 bars in ${groups.map((g) => `${g.name} (${g.bars})`).join(', ')}; ${source}`);

  // The map: one point per fingerprinted track, the two LWRP lines and labels, selection shown.
  const fingerprinted = (await api(args, '/api/tracks?limit=500')).tracks.filter((t) => Number.isFinite(t.lufs)).length;
  await page.waitForFunction((n) => document.querySelectorAll('#map circle.map-point').length === n, fingerprinted, { timeout: WAIT_MS });
  const lines = await page.locator('#map line.lwrp-line').evaluateAll((ls) => ls.map((l) => l.getAttribute('class')));
  check(lines.some((c) => c.includes('lwrp-lufs')) && lines.some((c) => c.includes('lwrp-crest')), `LWRP lines: ${lines}`);
  const labels = await page.locator('#map text.lwrp-label').allTextContents();
  check(labels.includes('-12 LUFS') && labels.includes('13 dB'), `LWRP labels: ${labels}`);
  const zones = await page.locator('#map text.zone-label').allTextContents();
  check(zones.join(' ').includes('full chain') && zones.join(' ').includes('expansion') && zones.join(' ').includes('safety limiting'), `zone labels: ${zones}`);
  const highlighted = await page.locator('#map circle.selected').getAttribute('data-track-id');
  check(Number(highlighted) === rowId, `the map should highlight track ${rowId}, highlights ${highlighted}`);
  ok(`the map shows ${fingerprinted} points, the LWRP lines (${labels.join(', ')}), the three zones, and the selected track`);

  // Click a map point that is not covered by another one, and not the selected one.
  const target = await page.evaluate(() => {
    for (const circle of document.querySelectorAll('#map circle.map-point:not(.selected)')) {
      circle.scrollIntoView({ block: 'center' });
      const again = circle.getBoundingClientRect();
      const cx = again.left + again.width / 2;
      const cy = again.top + again.height / 2;
      if (document.elementFromPoint(cx, cy) === circle) {
        return { id: Number(circle.dataset.trackId), x: cx, y: cy };
      }
    }
    return null;
  });
  check(target, 'no map point is clickable (all covered)');
  await page.mouse.click(target.x, target.y);
  await waitForSelection(page, target.id);
  check(Number(await page.locator('#map circle.selected').getAttribute('data-track-id')) === target.id, 'the clicked point should be highlighted');
  check(await page.locator(`#tracks tbody tr[data-track-id="${target.id}"]`).getAttribute('aria-selected') === 'true', 'the table row of the clicked point should be selected');
  ok(`clicking the map point of track ${target.id} selects it (chart, table row, highlight)`);

  // Similar tracks of that track, and clicking one selects it.
  await page.waitForFunction(() => document.querySelectorAll('#similar li').length > 0, null, { timeout: WAIT_MS });
  const similar = await page.locator('#similar li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.trackId)));
  const expectedSimilar = await api(args, `/api/tracks/${target.id}/similar?k=10`);
  check(JSON.stringify(similar) === JSON.stringify(expectedSimilar.map((s) => s.track_id)), `similar: page ${similar}, api ${expectedSimilar.map((s) => s.track_id)}`);
  check(!similar.includes(target.id), 'a track is not similar to itself in the list');
  await page.locator('#similar li button').first().click();
  await waitForSelection(page, similar[0]);
  ok(`the ${similar.length} similar tracks of track ${target.id} are listed as the API orders them; clicking one selects track ${similar[0]}`);
  return similar[0];
}

// -----------------------------------------------------------------------------------------------
// Issue 14: the table at 1280 px, failed tracks, the map's legend, axes and labels, the artist
// and album views, and the server-unreachable state.

/** At each viewport, no header cell ends past the table's container and nothing scrolls sideways. */
async function checkTableFits(page) {
  const original = page.viewportSize();
  const seen = [];
  for (const viewport of [{ width: 1280, height: 800 }, { width: 1400, height: 900 }]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(100); // one layout
    const fit = await page.evaluate(() => {
      const wrap = document.querySelector('#tracks').closest('.table-wrap');
      const edge = wrap.getBoundingClientRect().right;
      const headers = [...document.querySelectorAll('#tracks thead th')].map((th) => ({
        text: th.textContent.trim(),
        right: th.getBoundingClientRect().right,
        // The label's own width (a Range is not clipped) against the room inside the button,
        // arrow included (::after is part of the button, so measure the header with it).
        clipped: (() => {
          const button = th.querySelector('button');
          const style = getComputedStyle(button);
          const room = button.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          const range = document.createRange();
          range.selectNodeContents(button);
          const arrow = getComputedStyle(button, '::after').content;
          const extra = arrow && arrow !== 'none' ? 14 : 0; // the 0.75em arrow and its space
          return range.getBoundingClientRect().width + extra > room + 0.5;
        })(),
      }));
      return {
        edge,
        headers,
        overflow: wrap.scrollWidth - wrap.clientWidth,
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    const past = fit.headers.filter((h) => h.right > fit.edge + 0.5);
    check(past.length === 0, `at ${viewport.width} px these header cells end past the table (${fit.edge.toFixed(1)}): ${JSON.stringify(past)}`);
    const clipped = fit.headers.filter((h) => h.clipped);
    check(clipped.length === 0, `at ${viewport.width} px these headers are cut off: ${clipped.map((h) => h.text)}`);
    check(fit.overflow <= 0, `at ${viewport.width} px the table scrolls sideways by ${fit.overflow} px`);
    check(fit.page <= 0, `at ${viewport.width} px the page scrolls sideways by ${fit.page} px`);
    if (globalArgs.screenshots && viewport.width === 1280) {
      fs.mkdirSync(globalArgs.screenshots, { recursive: true });
      const file = path.join(globalArgs.screenshots, 'web-table-1280.png');
      await page.screenshot({ path: file });
      console.log(`screenshot: ${file}`);
    }
    seen.push(`${viewport.width}x${viewport.height}: last header ends at ${fit.headers[fit.headers.length - 1].right.toFixed(0)} <= ${fit.edge.toFixed(0)}`);
  }

  // Long names: one line, ellipsized, the whole text in the title.
  const long = await page.evaluate(() => {
    const cells = [...document.querySelectorAll('#tracks tbody td')].filter((td) => td.scrollWidth > td.clientWidth + 1);
    return cells.map((td) => ({
      text: td.textContent,
      title: td.getAttribute('title') || '',
      ellipsis: getComputedStyle(td).textOverflow,
      // The text's own line boxes (the cell is as tall as its row, which has the path too).
      lines: (() => { const r = document.createRange(); r.selectNodeContents(td); return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; })(),
    }));
  });
  check(long.length > 0, 'the long album name should be cut (the test library has one)');
  for (const cell of long) {
    check(cell.ellipsis === 'ellipsis', `a cut cell should end in an ellipsis: ${JSON.stringify(cell)}`);
    check(cell.title.length > 0 && cell.title.replace(/\s+/g, '').includes(cell.text.replace(/\s+/g, '').slice(0, 20)), `a cut cell should carry its full text in the title: ${JSON.stringify(cell)}`);
  }
  const albumCell = long.find((c) => c.text.startsWith('A Very Long Album'));
  check(albumCell && albumCell.lines <= 1, `the long album name should take one line: ${JSON.stringify(albumCell)}`);
  await page.setViewportSize(original);
  ok(`the table fits: ${seen.join('; ')}; ${long.length} long cells ellipsized with the full text on hover`);
}

/** A failed track: one readable message (no path, no lookup trail, not repeated), play disabled. */
async function checkFailedTrack(page) {
  const row = page.locator('#tracks tbody tr[data-status="error"]').first();
  check(await row.count() === 1, 'the test library has a failed track');
  const id = Number(await row.getAttribute('data-track-id'));
  const info = await row.evaluate((tr) => ({
    path: tr.querySelector('.path').textContent,
    errors: [...tr.querySelectorAll('.track-error')].map((e) => ({ text: e.textContent, title: e.getAttribute('title') })),
  }));
  check(info.errors.length === 1, `one message in the row, found ${info.errors.length}`);
  const message = info.errors[0].text;
  check(message.length > 0 && message === info.errors[0].title, `the message and its title should be the same whole text: ${JSON.stringify(info.errors[0])}`);
  check(!message.includes(info.path), `the message should not repeat the path: ${message}`);
  check(!/database:|sidecar:|server: none|local \(/.test(message), `the message should not list the lookup tiers: ${message}`);
  const sentences = message.split(/;\s*|\.\s+/).map((t) => t.trim()).filter(Boolean);
  check(new Set(sentences).size === sentences.length, `the message should say nothing twice: ${message}`);

  await row.click();
  await page.waitForFunction((want) => document.getElementById('track-detail').dataset.trackId === String(want)
    && document.getElementById('fingerprint').dataset.trackId === String(want), id, { timeout: WAIT_MS });
  const panel = await page.evaluate(() => ({
    text: document.querySelector('.detail').textContent,
    enhanced: document.getElementById('play-enhanced').disabled,
    normal: document.getElementById('play-normal').disabled,
    title: document.getElementById('play-enhanced').title,
  }));
  check(panel.enhanced && panel.normal, `both play buttons should be disabled for a failed track: ${JSON.stringify(panel)}`);
  const times = panel.text.split(message).length - 1;
  check(times === 1, `the track panel should show the cause once, shows it ${times} times`);
  check(!/database:|sidecar:|Cannot fingerprint '/.test(panel.text), 'the track panel should not show the lookup trail');
  ok(`the failed track ${id} shows one message ("${message}"), once in its panel, and its play buttons are disabled ("${panel.title}")`);

  // A complete track again: the buttons come back.
  await page.locator('#tracks tbody tr[data-status="complete"]').first().click();
  await page.waitForFunction(() => !document.getElementById('play-enhanced').disabled, null, { timeout: WAIT_MS });
}

/** The map: a legend, outliers pinned to the edge and marked, no two visible labels overlapping. */
async function checkMapLegendAxesLabels(page) {
  const legend = await page.locator('#map-legend li').evaluateAll((lis) => lis.map((li) => ({ key: li.dataset.key, text: li.textContent.trim(), visible: li.getBoundingClientRect().width > 0 })));
  for (const key of ['full', 'expansion', 'limiting', 'selected', 'outlier']) {
    const item = legend.find((l) => l.key === key);
    check(item && item.visible && item.text.length > 0, `the legend should show "${key}": ${JSON.stringify(legend)}`);
  }
  const map = await page.evaluate(() => {
    const frame = document.querySelector('#map rect.frame').getBoundingClientRect();
    const points = [...document.querySelectorAll('#map circle.map-point')].map((c) => {
      const r = c.getBoundingClientRect();
      return { id: Number(c.dataset.trackId), outlier: c.dataset.outlier === 'true', x: r.left + r.width / 2, y: r.top + r.height / 2, title: c.querySelector('title').textContent };
    });
    const labels = [...document.querySelectorAll('#map text')].filter((t) => getComputedStyle(t).display !== 'none' && t.getBoundingClientRect().width > 0)
      .map((t) => { const r = t.getBoundingClientRect(); return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; });
    return { frame: { left: frame.left, right: frame.right, top: frame.top, bottom: frame.bottom }, points, labels };
  });
  const quiet = (await api(globalArgs, '/api/tracks?limit=500')).tracks.find((t) => Number.isFinite(t.lufs) && t.lufs < -50);
  check(quiet, 'the test library has a near-silent track (below -50 LUFS)');
  const pinned = map.points.find((p) => p.id === quiet.id);
  check(pinned && pinned.outlier, `the ${quiet.lufs.toFixed(1)} LUFS track should be marked as off the axes: ${JSON.stringify(pinned)}`);
  check(Math.abs(pinned.x - map.frame.left) <= 1, `it should be pinned to the left edge (${map.frame.left.toFixed(1)}), is at x ${pinned.x.toFixed(1)}`);
  check(pinned.title.includes(quiet.lufs.toFixed(1)) && /off the axes/.test(pinned.title), `its tooltip should give the real value: ${pinned.title}`);
  const others = map.points.filter((p) => !p.outlier);
  const xs = others.map((p) => p.x);
  const spread = (Math.max(...xs) - Math.min(...xs)) / (map.frame.right - map.frame.left);
  check(spread > 0.4, `the other points should spread over the plot, they cover ${(spread * 100).toFixed(0)}% of its width`);
  const overlapping = [];
  for (let i = 0; i < map.labels.length; i++) {
    for (let j = i + 1; j < map.labels.length; j++) {
      const a = map.labels[i];
      const b = map.labels[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
        overlapping.push(`"${a.text}" / "${b.text}"`);
      }
    }
  }
  check(overlapping.length === 0, `visible map labels overlap: ${overlapping.join(', ')}`);
  ok(`the map has its legend (${legend.length} entries), pins the ${quiet.lufs.toFixed(1)} LUFS track to the edge (the rest spread over ${(spread * 100).toFixed(0)}% of the width), and none of its ${map.labels.length} visible labels overlap`);
}

/**
 * Labels that would collide: a synthetic library (the page's /api/tracks answered by the test)
 * spread from -60 to -5 LUFS puts the -12 LUFS line close to the right edge, where its label
 * meets the expansion zone's name. The page must move or hide one; none may overlap.
 */
async function checkMapLabelsGiveWay(context, args, problems) {
  const page = await context.newPage();
  watch(page, problems);
  const tracks = Array.from({ length: 40 }, (_, i) => ({
    id: i + 1, path: `/music/synthetic-${i}.wav`, title: null, artist: null, album: null, duration_s: 60,
    sample_rate: 44100, channels: 2, format: 'wav', status: 'complete', error: null,
    lufs: -60 + (55 * i) / 39, crest_db: 2 + (i % 20),
  }));
  await page.route((url) => url.pathname === '/api/tracks', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ total: tracks.length, offset: 0, limit: 500, tracks }),
  }));
  await page.goto(pageUrl(args));
  await page.waitForFunction(() => document.querySelectorAll('#map circle.map-point').length === 40, null, { timeout: WAIT_MS });
  const result = await page.evaluate(() => {
    const all = [...document.querySelectorAll('#map text.map-label')];
    const visible = all.filter((t) => getComputedStyle(t).display !== 'none')
      .map((t) => { const r = t.getBoundingClientRect(); return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; });
    return { hidden: all.length - visible.length, visible };
  });
  const overlapping = [];
  for (let i = 0; i < result.visible.length; i++) {
    for (let j = i + 1; j < result.visible.length; j++) {
      const a = result.visible[i];
      const b = result.visible[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
        overlapping.push(`"${a.text}" / "${b.text}"`);
      }
    }
  }
  check(overlapping.length === 0, `visible map labels overlap: ${overlapping.join(', ')}`);
  const lufsLabel = result.visible.find((l) => l.text === '-12 LUFS');
  const expansion = result.visible.find((l) => l.text === 'expansion');
  check(lufsLabel, 'the -12 LUFS label has the highest priority after the axis titles and stays');
  const moved = !expansion || Math.abs(expansion.top - lufsLabel.top) >= 10;
  check(moved, `the expansion label should have moved or gone: ${JSON.stringify({ lufsLabel, expansion })}`);
  ok(`with a library spread over -60..-5 LUFS the crowded labels give way (${result.hidden} hidden, the rest apart; expansion ${expansion ? 'moved a line' : 'hidden'})`);
  await page.close();
}

/**
 * Artists -> albums -> tracks, in the album's order (by the shown name: the file names are not
 * in that order), and "Play album" plays them one after the other through a stand-in /ws that
 * streams each track as one short chunk.
 */
async function checkAlbumView(context, args, problems) {
  const page = await context.newPage();
  watch(page, problems);
  const plays = [];
  await page.routeWebSocket((url) => url.pathname === '/ws', (ws) => {
    let streams = 0;
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw));
      if (message.type !== 'play_enhanced') {
        return;
      }
      plays.push(message.track_id);
      const id = ++streams;
      const rate = 16_000;
      const frames = 4000;
      ws.send(JSON.stringify({ type: 'preparing', track_id: message.track_id, mode: 'enhanced' }));
      ws.send(JSON.stringify({
        type: 'audio_stream_start', stream_id: id, track_id: message.track_id, mode: 'enhanced', preset: message.preset,
        intensity: message.intensity, sample_rate: rate, channels: 2, duration_s: frames / rate, chunk_count: 1,
        chunk_duration_s: frames / rate, first_chunk_max_s: frames / rate, start_chunk: 0, position_s: 0,
        fingerprint_source: 'database', lwrp: { zone: 'dynamic', expansion: 0, lufs: -20, crest_db: 15 },
      }));
      ws.send(JSON.stringify({ type: 'audio_chunk_meta', stream_id: id, seq: 0, chunk_index: 0, frames, start_s: 0 }));
      ws.send(sineChunk(frames, 2, 0.3, 0, rate));
      ws.send(JSON.stringify({ type: 'audio_stream_end', stream_id: id, chunks_sent: 1 }));
    });
  });
  await page.goto(pageUrl(args));
  await page.click('#view-artists');
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'artists' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
  const artists = await page.locator('#browse-list li button').evaluateAll((bs) => bs.map((b) => b.querySelector('.name').textContent));
  const apiArtists = (await api(args, '/api/artists')).artists;
  check(artists.length === apiArtists.length, `the artist list should have the API's ${apiArtists.length} artists: ${artists}`);
  check(artists[artists.length - 1] === 'Unknown artist', `untagged tracks are one "Unknown artist" group, listed last: ${artists}`);
  const artist = apiArtists.find((a) => a.artist !== null);
  await page.locator('#browse-list li button', { hasText: artist.artist }).click();
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'albums' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
  const albums = await page.locator('#browse-list li button .name').allTextContents();
  const apiAlbums = (await api(args, `/api/albums?${new URLSearchParams({ artist: artist.artist })}`)).albums;
  check(JSON.stringify(albums) === JSON.stringify(apiAlbums.map((a) => a.album ?? 'Unknown album')), `albums of ${artist.artist}: ${albums}`);
  await page.locator('#browse-list li button').first().click();
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'album' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
  const rows = await page.locator('#album-tracks tbody tr').evaluateAll((trs) => trs.map((tr) => ({ id: Number(tr.dataset.trackId), title: tr.querySelector('.title').textContent })));
  const apiTracks = (await api(args, `/api/albums/tracks?${new URLSearchParams({ artist: artist.artist, album: apiAlbums[0].album ?? '' })}`)).tracks;
  check(JSON.stringify(rows.map((r) => r.id)) === JSON.stringify(apiTracks.map((t) => t.id)), `the album's rows should follow the API's order: ${JSON.stringify(rows)}`);
  const titles = rows.map((r) => r.title);
  check(JSON.stringify(titles) === JSON.stringify([...titles].sort((a, b) => a.localeCompare(b))), `the album's tracks should be in name order: ${titles}`);
  const path = await page.locator('#browse-path').textContent();
  check(path.includes('Artists') && path.includes(artist.artist), `the path should lead back: ${path}`);

  await page.click('#play-album');
  await page.waitForFunction((n) => document.getElementById('player-state').dataset.state === 'ended' && window.auralisPlayer.trackId !== null && document.getElementById('album-queue').textContent === '' && n > 0, rows.length, { timeout: 20_000 });
  await until(() => plays.length >= rows.length, 'every track of the album was asked for');
  check(JSON.stringify(plays) === JSON.stringify(rows.map((r) => r.id)), `Play album should play ${rows.map((r) => r.id)} in order, played ${plays}`);
  ok(`the artist view lists ${artists.length} artists (${artists.join(', ')}), "${artist.artist}" has ${albums.length} album(s), the album lists ${titles.join(', ')} and "Play album" plays tracks ${plays.join(', ')} in that order`);

  // Back to all albums through the view switch; the unknown album group is there too.
  await page.click('#view-albums');
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'albums' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
  const all = await page.locator('#browse-list li button .name').allTextContents();
  check(all[all.length - 1] === 'Unknown album', `all albums, the untagged last: ${all}`);
  // The untagged album holds the failed file: its play button is off, and the album skips it.
  await page.locator('#browse-list li button').last().click();
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'album' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
  const failedRows = await page.locator('#album-tracks tbody tr[data-status="error"]').evaluateAll((trs) => trs.map((tr) => ({ disabled: tr.querySelector('button.album-play').disabled, errors: tr.querySelectorAll('.track-error').length })));
  check(failedRows.length === 1 && failedRows[0].disabled && failedRows[0].errors === 1, `the failed track in "Unknown album": ${JSON.stringify(failedRows)}`);
  const enabled = await page.locator('#album-tracks tbody tr[data-status="complete"] button.album-play:not([disabled])').count();
  check(enabled > 0 && !(await page.locator('#play-album').isDisabled()), 'the playable tracks of the untagged album keep their buttons');
  ok(`"Albums" lists ${all.length} albums, "Unknown album" last; in it the failed track's play button is disabled, ${enabled} others are not`);
  if (globalArgs.screenshots) {
    await page.click('#view-artists');
    await page.locator('#browse-list li button', { hasText: artist.artist }).click();
    await page.locator('#browse-list li button').first().click();
    await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'album' && !document.getElementById('browse').hasAttribute('aria-busy'), null, { timeout: WAIT_MS });
    const file = path_.join(globalArgs.screenshots, 'web-album.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  }
  await page.close();
}

/** Requests blocked: the page says the server is unreachable and marks its counts stale; then it recovers. */
async function checkUnreachable(context, args, problems) {
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(pageUrl(args));
  await page.waitForFunction((n) => document.querySelectorAll('#tracks tbody tr').length === n, args.tracks, { timeout: WAIT_MS });
  const before = await page.locator('#track-count').textContent();
  check(await page.locator('#offline').isHidden(), 'no unreachable banner while the server answers');
  const apiPaths = (url) => url.pathname.startsWith('/api/'); // unroute needs this same function
  await page.route(apiPaths, (route) => route.abort('connectionrefused'));
  await page.locator('#offline').waitFor({ state: 'visible', timeout: WAIT_MS });
  const banner = await page.locator('#offline').textContent();
  check(/unreachable/i.test(banner) && /stale/i.test(banner), `the banner should say the server is unreachable and the counts stale: ${banner}`);
  const stale = await page.evaluate(() => ['track-count', 'map-count', 'server-info'].map((id) => document.getElementById(id).dataset.stale));
  check(stale.every((s) => s === 'true'), `the counts should be marked stale: ${stale}`);
  check(await page.locator('#track-count').textContent() === before, 'the last count stays, marked stale, rather than vanishing');
  await page.unroute(apiPaths);
  await page.locator('#offline').waitFor({ state: 'hidden', timeout: WAIT_MS });
  await page.waitForFunction(() => ['track-count', 'map-count', 'server-info'].every((id) => document.getElementById(id).dataset.stale === 'false'), null, { timeout: WAIT_MS });
  ok(`with the API unreachable the page says "${banner}" and marks the counts stale; once it answers again the banner and the marks go`);
  await page.close();
}

// -----------------------------------------------------------------------------------------------
// The player against a stand-in /ws server that speaks docs/streaming.md (page.routeWebSocket):
// it checks the client side of the protocol now, before the server side exists.

function sineChunk(frames, channels, amplitude, startFrame, rate) {
  const bytes = Buffer.alloc(frames * channels * 4);
  for (let i = 0; i < frames; i++) {
    const s = amplitude * Math.sin(2 * Math.PI * 440 * (startFrame + i) / rate);
    for (let c = 0; c < channels; c++) {
      bytes.writeFloatLE(c === 0 ? s : -s, (i * channels + c) * 4);
    }
  }
  return bytes;
}

/**
 * A stream's messages as docs/streaming.md has them: from the position itself, pieces of
 * `firstSeconds` (the first always) up to the end of the chunk holding it, then whole chunks.
 */
function streamPieces(positionS, config, rate) {
  const chunkFrames = Math.round(config.chunkSeconds * rate);
  const firstFrames = Math.round((config.firstSeconds ?? config.chunkSeconds) * rate);
  const total = chunkFrames * config.chunkCount;
  const pieces = [];
  const start = Math.floor(positionS * rate);
  let frame = start;
  while (frame < total) {
    const max = frame !== start && frame % chunkFrames === 0 ? chunkFrames : firstFrames;
    const frames = Math.min(max, chunkFrames - (frame % chunkFrames), total - frame);
    pieces.push({ startFrame: frame, frames, chunkIndex: Math.floor(frame / chunkFrames) });
    frame += frames;
  }
  return pieces;
}

/**
 * A stand-in for the server side of /ws: 16 kHz stereo chunks of a 0.5 sine (`config` sets their
 * length and number for the next play, and the short first message), at most three chunks
 * unacknowledged. `release()` lets a held stream start, so the test can see the "preparing" state
 * (and, on a preset change, the old stream playing on); a seek first sends a stale chunk of the
 * old stream, as a real server may have one in flight, then restarts at the position.
 */
function fakeStreamingServer() {
  const rate = 16_000;
  const channels = 2;
  const server = { url: null, received: [], acks: [], inFlightMax: 0, release: null, streams: [], config: { chunkSeconds: 2, chunkCount: 20, firstSeconds: 0.5 } };
  server.handler = (ws) => {
    server.url = ws.url();
    let stream = null;
    let streamIds = 0;
    let paused = false;
    const sendChunk = (s, seq) => {
      const piece = s.pieces[seq] || { startFrame: 0, frames: rate * s.chunkSeconds, chunkIndex: 0 }; // seq 99: a stale chunk
      ws.send(JSON.stringify({ type: 'audio_chunk_meta', stream_id: s.id, seq, chunk_index: piece.chunkIndex, frames: piece.frames, start_s: piece.startFrame / rate }));
      ws.send(sineChunk(piece.frames, channels, 0.5, piece.startFrame, rate));
    };
    const pump = () => {
      const s = stream;
      if (!s || s.held) {
        return;
      }
      const total = s.pieces.length;
      while (!paused && !s.ended && s.next < total && s.next - (s.acked + 1) < 3) {
        sendChunk(s, s.next++);
        server.inFlightMax = Math.max(server.inFlightMax, s.next - (s.acked + 1));
      }
      if (!s.ended && s.next === total) {
        s.ended = true;
        ws.send(JSON.stringify({ type: 'audio_stream_end', stream_id: s.id, chunks_sent: total }));
      }
    };
    const start = (s, positionS) => {
      ws.send(JSON.stringify({
        type: 'audio_stream_start', stream_id: s.id, track_id: s.trackId, mode: 'enhanced',
        preset: s.preset, intensity: s.intensity, sample_rate: rate, channels,
        duration_s: s.chunkCount * s.chunkSeconds, chunk_count: s.chunkCount, chunk_duration_s: s.chunkSeconds,
        first_chunk_max_s: s.firstSeconds, start_chunk: s.startChunk, position_s: positionS, fingerprint_source: 'database',
        lwrp: { zone: 'compressed_loud', expansion: 0.45, lufs: -8.2, crest_db: 8.5 },
      }));
      s.held = false;
      pump();
    };
    const newStream = (from, positionS, config) => {
      const s = {
        id: ++streamIds, trackId: from.track_id, preset: from.preset, intensity: from.intensity,
        chunkSeconds: config.chunkSeconds, chunkCount: config.chunkCount, firstSeconds: config.firstSeconds,
        next: 0, acked: -1, ended: false, held: true, startChunk: Math.floor(positionS / config.chunkSeconds),
        pieces: streamPieces(positionS, config, rate),
      };
      server.streams.push(s);
      return s;
    };
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw));
      server.received.push(message);
      switch (message.type) {
        case 'play_enhanced': {
          const s = newStream(message, message.position_s, server.config);
          stream = s;
          paused = false;
          ws.send(JSON.stringify({ type: 'preparing', track_id: message.track_id, mode: 'enhanced' }));
          server.release = () => start(s, message.position_s); // held until the test says so
          break;
        }
        case 'play_normal':
          stream = null;
          ws.send(JSON.stringify({ type: 'preparing', track_id: message.track_id, mode: 'normal' }));
          ws.send(JSON.stringify({ type: 'audio_stream_error', stream_id: null, code: 'decode_failed', message: `track ${message.track_id}: cannot decode (stand-in server)` }));
          break;
        case 'seek': {
          const old = stream;
          sendChunk(old, 99); // in flight when the seek arrived: the client must drop it
          const s = newStream({ track_id: old.trackId, preset: old.preset, intensity: old.intensity }, message.position_s, old);
          stream = s;
          start(s, message.position_s);
          break;
        }
        case 'chunk_ack':
          server.acks.push(message.seq);
          if (stream) {
            stream.acked = Math.max(stream.acked, message.seq);
          }
          pump();
          break;
        case 'pause':
          paused = true;
          ws.send(JSON.stringify({ type: 'state', stream_id: stream && stream.id, state: 'paused' }));
          break;
        case 'resume':
          paused = false;
          ws.send(JSON.stringify({ type: 'state', stream_id: stream && stream.id, state: 'playing' }));
          pump();
          break;
        case 'stop':
          if (stream && !stream.ended) {
            stream.ended = true;
            ws.send(JSON.stringify({ type: 'audio_stream_end', stream_id: stream.id, chunks_sent: stream.next }));
          }
          stream = null;
          break;
        default:
          break;
      }
    });
  };
  return server;
}

/** Polls a condition on the test's side (the stand-in server's state) until it holds. */
async function until(condition, what) {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const playerStatus = (page) => page.evaluate(() => Object.fromEntries(Object.keys(window.auralisPlayer).map((k) => [k, window.auralisPlayer[k]])));
const waitForPlayer = (page, predicate, arg) => page.waitForFunction(predicate, arg, { timeout: WAIT_MS });

async function checkPlayerProtocol(context, args, trackId, problems, screenshots) {
  const page = await context.newPage();
  watch(page, problems);
  const server = fakeStreamingServer();
  await page.routeWebSocket((url) => url.pathname === '/ws', server.handler);
  await page.goto(`${pageUrl(args)}#track=${trackId}`);
  await waitForSelection(page, trackId);

  // Play: the request, then "preparing mastering..." until the first chunk.
  server.config = { chunkSeconds: 2, chunkCount: 20, firstSeconds: 0.5 };
  await page.selectOption('#preset', 'warm');
  await page.locator('#intensity').fill('0.6');
  await page.click('#play-enhanced');
  await waitForPlayer(page, () => document.getElementById('player-state').dataset.state === 'preparing');
  const preparing = await page.locator('#player-state').textContent();
  check(preparing === 'preparing mastering...', `the player should show "preparing mastering...", shows "${preparing}"`);
  const play = server.received.find((m) => m.type === 'play_enhanced');
  check(play && play.track_id === trackId && play.preset === 'warm' && play.intensity === 0.6 && play.position_s === 0,
    `play_enhanced should carry the track, preset, intensity and position: ${JSON.stringify(play)}`);
  if (args.token) {
    check(new URL(server.url).searchParams.get('token') === args.token, `the WebSocket URL should carry ?token=: ${server.url}`);
  }
  ok(`play enhanced sends ${JSON.stringify(play)} and shows "${preparing}" until audio arrives`);

  // The chunks: decoded, scheduled, acknowledged until 30 s are queued, then the acks wait (so
  // the server stops after 3 more); the stream start's facts are shown.
  server.release();
  await waitForPlayer(page, () => window.auralisPlayer.chunksReceived >= 16 && window.auralisPlayer.acksSent < window.auralisPlayer.chunksReceived);
  await page.waitForTimeout(300); // nothing more may arrive: the server waits for acks
  let status = await playerStatus(page);
  check(status.state === 'playing', `state after the first chunks: ${status.state}`);
  check(status.chunksReceived < server.streams[0].pieces.length, `the client must not take the whole 40 s track at once: ${status.chunksReceived} of ${server.streams[0].pieces.length} chunks`);
  check(status.chunksReceived - status.acksSent <= 3, `unacknowledged: ${status.chunksReceived - status.acksSent}`);
  check(server.inFlightMax <= 3, `at most 3 chunks in flight, saw ${server.inFlightMax}`);
  check(JSON.stringify(server.acks) === JSON.stringify([...Array(status.acksSent).keys()]), `acks in order: ${server.acks}`);
  const firstPieces = server.streams[0].pieces;
  check(firstPieces.slice(0, 4).every((p) => p.frames === 8_000) && firstPieces[4].frames === 32_000, `the stand-in sends 0.5 s pieces up to the 2 s grid, then 2 s chunks: ${JSON.stringify(firstPieces.slice(0, 5))}`);
  check(status.framesReceived === firstPieces.slice(0, status.chunksReceived).reduce((sum, p) => sum + p.frames, 0), `frames received: ${status.framesReceived}`);
  check(typeof status.readyS === 'number' && status.readyS > 0, `readyS after the first chunk: ${status.readyS}`);
  const ready = await page.locator('#player-ready').textContent();
  check(/^ready in \d+\.\d s$/.test(ready), `the player should show "ready in N.N s", shows "${ready}"`);
  check(Math.abs(status.peak - 0.5) < 1e-3, `peak of a 0.5 sine: ${status.peak}`);
  check(status.fingerprintSource === 'database' && status.lwrp && status.lwrp.zone === 'compressed_loud', `stream start facts: ${JSON.stringify(status)}`);
  const decision = await page.locator('#player-decision').textContent();
  check(decision.includes('compressed_loud') && decision.includes('expansion 0.45') && decision.includes('fingerprint source: database'), `decision line: ${decision}`);
  ok(`${status.chunksReceived} chunks decoded (a short first one; ${status.framesReceived} frames, peak ${status.peak.toFixed(4)}), ${status.acksSent} acked, the rest held while 30 s are queued; the page shows "${decision}" and "${ready}"`);

  const readOnly = await page.evaluate(() => {
    try {
      window.auralisPlayer.peak = 99;
    } catch {
      // assigning a getter-only property throws in strict code
    }
    return window.auralisPlayer.peak !== 99;
  });
  check(readOnly, 'window.auralisPlayer must be read-only');

  // Pause and resume.
  await page.click('#pause');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'paused');
  check(await page.locator('#pause').textContent() === 'Resume', 'the pause button should turn into Resume');
  await page.click('#pause');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'playing');
  const kinds = server.received.map((m) => m.type);
  check(kinds.includes('pause') && kinds.indexOf('resume') > kinds.indexOf('pause'), `pause then resume sent: ${kinds}`);
  ok('pause and resume are sent and shown');

  // Seek to 5 s: the old stream's chunk in flight is dropped; playback restarts 1 s into chunk 2.
  const acksBefore = server.acks.length;
  await page.locator('#seek').fill('5');
  await waitForPlayer(page, () => window.auralisPlayer.streamId === 2 && window.auralisPlayer.state === 'playing');
  const seek = server.received.find((m) => m.type === 'seek');
  check(seek && seek.position_s === 5, `seek sent: ${JSON.stringify(seek)}`);
  check(server.acks.length > acksBefore && server.acks[acksBefore] === 0 && !server.acks.includes(99), `after the seek the acks restart at 0 and the stale chunk is not acked: ${server.acks.slice(acksBefore)}`);
  status = await playerStatus(page);
  check(status.positionS >= 4.9 && status.positionS <= 6, `position after seeking to 5 s: ${status.positionS}`);
  ok(`seeking sends ${JSON.stringify(seek)}, drops the old stream's chunk and plays from ${status.positionS.toFixed(2)} s`);

  // A preset change: play_enhanced at the current position; the old stream plays on (the
  // stand-in holds the new one), then the two crossfade instead of leaving a gap.
  const before = status.positionS;
  const playsBefore = server.received.filter((m) => m.type === 'play_enhanced').length;
  await page.selectOption('#preset', 'bright');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'preparing');
  await until(() => server.received.filter((m) => m.type === 'play_enhanced').length > playsBefore, 'the preset change reaches the server');
  const change = server.received.filter((m) => m.type === 'play_enhanced')[playsBefore];
  check(change && change.preset === 'bright' && change.position_s >= before - 0.01, `preset change sends play_enhanced at the position: ${JSON.stringify(change)} (was at ${before})`);
  status = await playerStatus(page);
  check(status.fadingOut === true, 'while the new stream is prepared, the old one keeps playing');
  const switching = await page.locator('#player-state').textContent();
  check(switching.startsWith('switching to bright'), `state text while switching: "${switching}"`);
  server.release();
  await waitForPlayer(page, () => window.auralisPlayer.streamId === 3 && window.auralisPlayer.state === 'playing');
  status = await playerStatus(page);
  check(status.crossfades === 1, `one crossfade, saw ${status.crossfades}`);
  check(status.positionS >= change.position_s - 0.01, `the position runs on through the change: ${status.positionS} after ${change.position_s}`);
  await waitForPlayer(page, () => window.auralisPlayer.fadingOut === false);
  ok(`a preset change sends ${JSON.stringify(change)}, plays the old stream until the new one arrives and crossfades (now at ${status.positionS.toFixed(2)} s)`);

  // Stop while playing.
  await page.click('#stop');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'stopped');
  check(server.received[server.received.length - 1].type === 'stop', `stop sent last: ${server.received.map((m) => m.type).slice(-3)}`);
  ok('stop is sent and the player shows "stopped"');

  // A short stream plays to its end.
  server.config = { chunkSeconds: 0.5, chunkCount: 3, firstSeconds: 0.5 };
  await page.click('#play-enhanced');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'preparing');
  server.release();
  await waitForPlayer(page, () => window.auralisPlayer.state === 'ended');
  status = await playerStatus(page);
  check(status.chunksReceived === 3 && status.framesReceived === 3 * 8_000, `short stream: ${status.chunksReceived} chunks, ${status.framesReceived} frames`);
  ok('a stream played to its end (audio_stream_end, last chunk done) leaves the player "ended"');
  if (screenshots) {
    const file = path.join(screenshots, 'web-player-stream.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  }

  // An error from the server is shown to the user.
  await page.click('#play-normal');
  await page.locator('#player-error').waitFor({ state: 'visible', timeout: WAIT_MS });
  const error = await page.locator('#player-error').textContent();
  const lastError = await page.evaluate(() => window.auralisPlayer.lastError);
  check(lastError && lastError.code === 'decode_failed' && error.includes('cannot decode'), `error shown: ${error}; lastError ${JSON.stringify(lastError)}`);
  ok(`audio_stream_error is shown: "${error}"`);
  await page.close();
}

/**
 * A stand-in /ws for the queue checks: every play_enhanced / play_normal gets a stream of
 * `server.seconds` of a quiet sine, sent whole (the client holds up to 30 s), then its end.
 * Enhanced streams say output_lufs -14 (the loudness the plan gives the master); normal ones none.
 */
function queueStreamingServer() {
  const rate = 16_000;
  const server = { plays: [], received: [], seconds: 0.5, lufsOf: new Map() };
  server.handler = (ws) => {
    let streams = 0;
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw));
      server.received.push(message);
      if (message.type === 'play_enhanced' || message.type === 'play_normal' || message.type === 'seek') {
        const play = message.type === 'seek' ? { ...server.plays[server.plays.length - 1], position_s: message.position_s, seek: true } : message;
        server.plays.push(play);
        const enhanced = play.type === 'play_enhanced';
        const id = ++streams;
        const position = play.position_s || 0;
        const total = Math.round(server.seconds * rate);
        const start = Math.min(Math.floor(position * rate), total - 1);
        ws.send(JSON.stringify({ type: 'preparing', track_id: play.track_id, mode: enhanced ? 'enhanced' : 'normal' }));
        ws.send(JSON.stringify({
          type: 'audio_stream_start', stream_id: id, track_id: play.track_id, mode: enhanced ? 'enhanced' : 'normal',
          preset: enhanced ? play.preset : null, intensity: enhanced ? play.intensity : null, sample_rate: rate, channels: 2,
          duration_s: server.seconds, chunk_count: 1, chunk_duration_s: server.seconds, first_chunk_max_s: server.seconds,
          start_chunk: 0, position_s: start / rate, fingerprint_source: enhanced ? 'database' : null,
          lwrp: enhanced ? { zone: 'quiet_dynamic', expansion: 0, lufs: server.lufsOf.get(play.track_id) ?? -20, crest_db: 15 } : null,
          output_lufs: enhanced ? -14 : null,
        }));
        ws.send(JSON.stringify({ type: 'audio_chunk_meta', stream_id: id, seq: 0, chunk_index: 0, frames: total - start, start_s: start / rate }));
        ws.send(sineChunk(total - start, 2, 0.1, start, rate));
        ws.send(JSON.stringify({ type: 'audio_stream_end', stream_id: id, chunks_sent: 1 }));
      }
    });
  };
  return server;
}

/**
 * The player's queue and controls (docs/web.md, "Queue, radio and the now-playing bar"): "Radio
 * from this track" queues GET /api/playlist's order and plays it, a track's end starts the next
 * (auto-next), next/previous move through the queue, the now-playing bar stays while browsing,
 * the volume slider and keys set the output gain, Space/Left/Right/Shift+Right pause, seek and
 * skip, and the A/B toggle switches to the original at the same position at matched loudness.
 */
async function checkQueueRadioAndControls(context, args, seedId, problems) {
  const page = await context.newPage();
  watch(page, problems);
  const server = queueStreamingServer();
  await page.routeWebSocket((url) => url.pathname === '/ws', server.handler);
  await page.goto(`${pageUrl(args)}#track=${seedId}`);
  await waitForSelection(page, seedId);
  const playlist = (await api(args, `/api/playlist?seed=${seedId}&n=30`)).tracks.map((e) => e.track).filter((t) => t.status !== 'error');
  check(playlist.length >= 4, `the radio checks need a playlist of 4 or more: ${playlist.length}`);
  const ids = playlist.map((t) => t.id);
  // The fingerprint loudness of each track, as the table has it (the stand-in's lwrp says it too).
  const lufsOf = new Map((await api(args, '/api/tracks?limit=500')).tracks.map((t) => [t.id, t.lufs]));
  server.lufsOf = lufsOf;

  // Radio: the queue is the playlist, the seed plays first; at its end the next one starts.
  server.seconds = 0.5;
  await page.click('#radio');
  await until(() => server.plays.length >= 1, 'the radio plays its first track');
  server.seconds = 30; // from the next track on: long enough for the controls
  await until(() => server.plays.length >= 2, 'the first track ends and the next one starts');
  let status = await playerStatus(page);
  check(JSON.stringify(status.queue.trackIds) === JSON.stringify(ids) && status.queue.kind === 'radio', `the queue should be the playlist: ${JSON.stringify(status.queue)} vs ${ids}`);
  check(server.plays[0].track_id === seedId && server.plays[0].type === 'play_enhanced', `the seed plays first, enhanced: ${JSON.stringify(server.plays[0])}`);
  check(server.plays[1].track_id === ids[1], `auto-next plays the playlist's second track ${ids[1]}: ${JSON.stringify(server.plays[1])}`);
  await waitForPlayer(page, (id) => window.auralisPlayer.state === 'playing' && window.auralisPlayer.trackId === id, ids[1]);
  const where = await page.locator('#np-queue').textContent();
  check(where === `2 of ${ids.length}, radio`, `the bar says where the queue is: "${where}"`);
  ok(`"Radio from this track" queues the ${ids.length} tracks of /api/playlist (${ids.join(', ')}), plays ${seedId} first and, when it ends, ${ids[1]} (bar: "${where}")`);

  // Next and previous.
  await page.click('#next');
  await until(() => server.plays.length >= 3, 'next plays the third track');
  check(server.plays[2].track_id === ids[2], `next: ${JSON.stringify(server.plays[2])}`);
  await waitForPlayer(page, (id) => window.auralisPlayer.state === 'playing' && window.auralisPlayer.trackId === id, ids[2]);
  await page.click('#previous');
  await until(() => server.plays.length >= 4, 'previous plays the second track again');
  check(server.plays[3].track_id === ids[1] && !server.plays[3].seek, `previous (within 3 s of the start): ${JSON.stringify(server.plays[3])}`);
  await waitForPlayer(page, (id) => window.auralisPlayer.state === 'playing' && window.auralisPlayer.trackId === id, ids[1]);
  ok(`next plays ${ids[2]}, previous goes back to ${ids[1]}`);

  // The bar stays while browsing, and selecting another track does not change what plays.
  await page.click('#view-albums');
  await page.waitForFunction(() => document.getElementById('browse').dataset.level === 'albums', null, { timeout: WAIT_MS });
  check(await page.locator('#now-playing').isVisible(), 'the now-playing bar stays visible in the album view');
  const shown = await page.locator('#np-track').textContent();
  check(shown.startsWith(playlist[1].name || playlist[1].title || ''), `the bar names the playing track: "${shown}" (${JSON.stringify(playlist[1])})`);
  await page.click('#view-tracks');
  const other = ids.find((id) => id !== ids[1]);
  await page.evaluate((id) => { location.hash = `#track=${id}`; }, other);
  await waitForSelection(page, other);
  status = await playerStatus(page);
  check(status.trackId === ids[1] && status.state === 'playing', `selecting track ${other} leaves ${ids[1]} playing: ${status.trackId} ${status.state}`);
  ok(`the now-playing bar ("${shown}") stays while browsing albums and selecting track ${other}`);

  // Volume: the slider, then the keys; the output gain follows on a squared taper.
  await page.locator('#volume').fill('0.5');
  await waitForPlayer(page, () => Math.abs(window.auralisPlayer.outputGain - 0.25) < 0.01);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('ArrowUp');
  status = await playerStatus(page);
  check(Math.abs(status.volume - 0.55) < 1e-9, `ArrowUp raises the volume by 5 %: ${status.volume}`);
  check((await page.locator('#volume-value').textContent()) === '55%', 'the volume shows 55%');
  ok(`the volume slider sets the output gain (0.5 -> ${status.outputGain.toFixed(3)}); ArrowUp makes it ${Math.round(status.volume * 100)}%`);

  // Keys: Space pauses and resumes, Right seeks 10 s on, Shift+Right is the next track.
  await page.keyboard.press(' ');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'paused');
  await page.keyboard.press(' ');
  await waitForPlayer(page, () => window.auralisPlayer.state === 'playing');
  const before = (await playerStatus(page)).positionS;
  const seeks = server.plays.length;
  await page.keyboard.press('ArrowRight');
  await until(() => server.plays.length > seeks, 'ArrowRight seeks');
  // A seek, or - the stand-in sent the whole stream already - a new stream at the position.
  const seek = server.plays[server.plays.length - 1];
  check(seek.track_id === ids[1] && seek.position_s >= before + 9.5 && seek.position_s <= before + 11, `ArrowRight seeks 10 s on from ${before}: ${JSON.stringify(seek)}`);
  await page.keyboard.press('Shift+ArrowRight');
  await until(() => server.plays.some((p, i) => i > seeks && p.type === 'play_enhanced' && p.track_id === ids[2]), 'Shift+ArrowRight plays the next track');
  await waitForPlayer(page, (id) => window.auralisPlayer.state === 'playing' && window.auralisPlayer.trackId === id, ids[2]);
  ok(`Space pauses and resumes, ArrowRight seeks from ${before.toFixed(1)} to ${seek.position_s.toFixed(1)} s, Shift+ArrowRight plays ${ids[2]}`);

  // A/B: the original at the same position, crossfaded, at the loudness of the quieter one.
  const input = lufsOf.get(ids[2]);
  const quieter = Math.min(input, -14);
  await page.waitForTimeout(300);
  const at = (await playerStatus(page)).positionS;
  const plays = server.plays.length;
  await page.click('#ab');
  await until(() => server.plays.length > plays, 'the A/B toggle asks for the original');
  const original = server.plays[plays];
  check(original.type === 'play_normal' && original.track_id === ids[2] && Math.abs(original.position_s - at) < 1, `A/B plays the original at ${at}: ${JSON.stringify(original)}`);
  await waitForPlayer(page, () => window.auralisPlayer.mode === 'normal' && window.auralisPlayer.state === 'playing' && !window.auralisPlayer.fadingOut);
  status = await playerStatus(page);
  check(status.comparing && Math.abs(status.levelDb - (quieter - input)) < 0.01, `the original plays at ${quieter - input} dB (input ${input} LUFS, master -14): ${status.levelDb}`);
  check(status.crossfades >= 1, `A/B crossfades: ${status.crossfades}`);
  check((await page.locator('#ab').textContent()) === 'A/B: original', 'the toggle says the original plays');
  await page.click('#ab');
  await waitForPlayer(page, () => window.auralisPlayer.mode === 'enhanced' && window.auralisPlayer.state === 'playing' && !window.auralisPlayer.fadingOut);
  status = await playerStatus(page);
  check(Math.abs(status.levelDb - (quieter + 14)) < 0.01, `the master plays at ${quieter + 14} dB: ${status.levelDb}`);
  await page.click('#match-loudness');
  status = await playerStatus(page);
  check(status.levelDb === 0, `unticked, the master plays at its own level: ${status.levelDb}`);
  ok(`A/B switches to the original at ${original.position_s.toFixed(1)} s and back, at matched loudness (original ${(quieter - input).toFixed(1)} dB, master ${(quieter + 14).toFixed(1)} dB; unticked 0 dB)`);
  await page.click('#stop');
  await page.close();
}

// -----------------------------------------------------------------------------------------------
// The player against the real server.

/**
 * PRESS PLAY AND VERIFY NON-SILENT ENHANCED AUDIO ARRIVES from the real /ws (docs/streaming.md),
 * then change the preset (a crossfade into the new stream) and seek. Runs on the library's longest
 * track, only when GET /api/health says "streaming": true.
 */
async function playEnhancedAndVerifyAudio(context, args, trackId, problems) {
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(`${pageUrl(args)}#track=${trackId}`);
  await waitForSelection(page, trackId);
  await page.selectOption('#preset', 'adaptive');
  await page.click('#play-enhanced');
  const heard = () => window.auralisPlayer.state === 'error' || (window.auralisPlayer.chunksReceived >= 1 && window.auralisPlayer.peak > 0.01);
  await page.waitForFunction(heard, null, { timeout: 30_000 });
  const snapshot = () => page.evaluate(() => ({
    state: window.auralisPlayer.state,
    streamId: window.auralisPlayer.streamId,
    chunks: window.auralisPlayer.chunksReceived,
    frames: window.auralisPlayer.framesReceived,
    peak: window.auralisPlayer.peak,
    source: window.auralisPlayer.fingerprintSource,
    lwrp: window.auralisPlayer.lwrp,
    error: window.auralisPlayer.lastError,
    readyS: window.auralisPlayer.readyS,
    crossfades: window.auralisPlayer.crossfades,
    positionS: window.auralisPlayer.positionS,
  }));
  let status = await snapshot();
  check(status.state !== 'error', `the real stream failed: ${JSON.stringify(status.error)}`);
  check(['database', 'sidecar', 'server', 'computed'].includes(status.source), `fingerprint_source: ${status.source}`);
  check(status.lwrp && typeof status.lwrp.zone === 'string', `lwrp: ${JSON.stringify(status.lwrp)}`);
  check(typeof status.readyS === 'number' && status.readyS > 0, `readyS: ${status.readyS}`);
  const ready = await page.locator('#player-ready').textContent();
  check(/^ready in \d+\.\d s$/.test(ready), `the player should show "ready in N.N s", shows "${ready}"`);
  ok(`the real /ws streams enhanced audio: ${status.chunks} chunk(s), ${status.frames} frames, peak ${status.peak.toFixed(3)}, LWRP ${status.lwrp.zone}, source ${status.source}; "${ready}"`);

  // Preset change while playing: a new stream at the position, crossfaded into.
  const first = status.streamId;
  await page.selectOption('#preset', 'warm');
  await page.waitForFunction((id) => window.auralisPlayer.state === 'error'
    || (window.auralisPlayer.streamId > id && window.auralisPlayer.state === 'playing' && window.auralisPlayer.peak > 0.01), first, { timeout: 30_000 });
  status = await snapshot();
  check(status.state === 'playing', `after the preset change: ${JSON.stringify(status.error)}`);
  check(status.crossfades === 1, `the preset change crossfades: ${status.crossfades}`);
  ok(`a preset change on the real /ws crossfades into stream ${status.streamId} at ${status.positionS.toFixed(2)} s`);

  // Seek: a new stream from that position (the server seeks its decoder, with pre-roll).
  const changed = status.streamId;
  await page.locator('#seek').fill('12');
  await page.waitForFunction((id) => window.auralisPlayer.state === 'error'
    || (window.auralisPlayer.streamId > id && window.auralisPlayer.state === 'playing' && window.auralisPlayer.chunksReceived >= 1), changed, { timeout: 30_000 });
  status = await snapshot();
  check(status.state === 'playing', `after the seek: ${JSON.stringify(status.error)}`);
  check(status.positionS >= 11.9 && status.positionS <= 15, `position after seeking to 12 s: ${status.positionS}`);
  ok(`a seek on the real /ws plays stream ${status.streamId} from ${status.positionS.toFixed(2)} s`);
  await page.click('#stop');
  await page.close();
}

/** Without a /ws on the server, pressing play must end in a visible error, not silence. */
async function checkMissingStreamIsReported(context, args, trackId, problems) {
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(`${pageUrl(args)}#track=${trackId}`);
  await waitForSelection(page, trackId);
  await page.click('#play-enhanced');
  await page.locator('#player-error').waitFor({ state: 'visible', timeout: WAIT_MS });
  const error = await page.locator('#player-error').textContent();
  check(/cannot open the stream connection/.test(error), `error shown: ${error}`);
  check(!error.includes(args.token || '\u0000'), 'the error must not show the token');
  ok(`without a server /ws, play shows: "${error}"`);
  await page.close();
}

// -----------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv);
  globalArgs = args;
  const health = await api(args, '/api/health');
  if (args.tracks === null) {
    args.tracks = health.tracks;
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'auralis-e2e-chromium-'));
  const problems = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    context.setDefaultTimeout(WAIT_MS);

    await checkTokenPrompt(context, args);

    const page = context.pages()[0] || await context.newPage();
    watch(page, problems);
    await page.goto(pageUrl(args));
    await checkLibrary(page, args);
    await checkTableFits(page);
    const trackId = await checkSelectionChartMapSimilar(page, args);
    await checkMapLegendAxesLabels(page);
    await checkFailedTrack(page);
    if (args.screenshots) {
      fs.mkdirSync(args.screenshots, { recursive: true });
      const file = path.join(args.screenshots, 'web-player.png');
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
    }

    await checkPlayerProtocol(context, args, trackId, problems, args.screenshots);
    await checkMapLabelsGiveWay(context, args, problems);
    await checkAlbumView(context, args, problems);
    await checkQueueRadioAndControls(context, args, trackId, problems);
    await checkUnreachable(context, args, problems);

    if (health.streaming === true) {
      // The longest track: long enough to change the preset and seek while it plays.
      const listed = await api(args, '/api/tracks?limit=500');
      const longest = listed.tracks.filter((t) => t.status === 'complete').sort((a, b) => (b.duration_s || 0) - (a.duration_s || 0))[0];
      check(longest && longest.duration_s >= 15, `the real-stream checks need a track of 15 s or more: ${JSON.stringify(longest)}`);
      await playEnhancedAndVerifyAudio(context, args, longest.id, problems);
    } else {
      skip('real enhanced audio over /ws: GET /api/health has no "streaming": true (the server side of /ws is not there yet)');
      await checkMissingStreamIsReported(context, args, trackId, problems);
    }

    check(problems.length === 0, `the page reported problems:\n  ${problems.join('\n  ')}`);
    ok('no script error and no CSP violation on any page');
  } finally {
    if (context) {
      await context.close();
    }
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed} passed, 0 failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.log(`not ok ${passed + 1} - ${error.message}`);
  console.log(`e2e: ${passed} passed, 1 failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = 1;
});
