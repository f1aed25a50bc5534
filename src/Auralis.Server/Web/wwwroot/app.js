// The web page of `auralis serve` (docs/web.md): the library table, a track's fingerprint chart,
// the library map, similar tracks, and the player of the /ws stream (docs/streaming.md).
// Plain script, no framework and no build step; every value from the server reaches the page as
// text (textContent, SVG attributes), never as HTML.
'use strict';

(() => {
  // ---------------------------------------------------------------------------------------------
  // Configuration: the token from the page's own address, the dimensions from the server.

  const params = new URLSearchParams(location.search);
  // Kept in the address (reloads and bookmarks keep working); sent as a bearer header on fetches
  // and as ?token= on the WebSocket, which cannot carry headers from a browser.
  const token = params.get('token') || '';
  const DIMENSIONS = JSON.parse(document.getElementById('fingerprint-dimensions').textContent);
  const PAGE_SIZE = 50;
  const MAP_PAGE_SIZE = 500; // the API's largest page
  const SEARCH_DEBOUNCE_MS = 250;
  const POLL_MS = 2000;
  const MAP_POLL_MS = 10_000;
  // Health is asked this often, so that a server that went away is said at once (the counts are
  // then marked stale) and one that came back is followed without a reload.
  const HEALTH_POLL_MS = 3000;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // LWRP (docs/mastering.md, section 1): the two thresholds and what each zone gets from the mastering chain.
  const LWRP_LUFS = -12;
  const LWRP_CREST_DB = 13;

  // Display ranges of the chart bars (the values themselves are printed unclipped).
  const RANGE_BY_NAME = {
    lufs: [-60, 0],
    crest_db: [0, 30],
    bass_mid_ratio: [-30, 30],
    tempo_bpm: [0, 200],
    chroma_energy: [0, 1],
    dynamic_range_variation: [0, 25],
    loudness_variation_std: [0, 10],
    phase_correlation: [-1, 1],
  };
  const RANGE_BY_UNIT = { '%': [0, 100], '0-1': [0, 1], '-1..1': [-1, 1], 'LU': [0, 20], 'dB': [0, 30] };

  // ---------------------------------------------------------------------------------------------
  // Small helpers.

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttributes(node, attrs);
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttributes(node, attrs);
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }

  function setAttributes(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function basename(path) {
    if (!path) {
      return '';
    }
    const parts = String(path).split(/[\\/]/);
    return parts[parts.length - 1];
  }

  function trackName(track) {
    // `name` is the server's shown name (title, else file name without extension; the title sort uses it).
    return (track && (track.name || track.title || basename(track.path))) || `track ${track ? track.id : '?'}`;
  }

  function formatTime(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
      return '';
    }
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
  }

  function formatNumber(value, digits) {
    return value === null || value === undefined || !Number.isFinite(value) ? '' : value.toFixed(digits);
  }

  function formatValue(value, unit) {
    if (!Number.isFinite(value)) {
      return String(value);
    }
    const abs = Math.abs(value);
    const digits = unit === '%' || unit === 'BPM' || unit === 'LUFS' || unit === 'dB' || unit === 'LU' ? (abs >= 100 ? 0 : 1) : 3;
    const unitText = unit === '0-1' || unit === '-1..1' || unit === '1/12-1' ? '' : ` ${unit}`;
    return `${value.toFixed(digits)}${unitText}`;
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  // ---------------------------------------------------------------------------------------------
  // The HTTP/JSON API (docs/server.md).

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    headers.set('Accept', 'application/json');
    if (token) {
      headers.set('Authorization', `Bearer ${token}`);
    }
    let response;
    try {
      response = await fetch(path, { ...options, headers, cache: 'no-store' });
    } catch (error) {
      if (error && error.name === 'AbortError') {
        throw error;
      }
      throw new ApiError(0, `cannot reach the server (${error && error.message ? error.message : error})`);
    }
    const text = await response.text();
    let body = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      const message = (body && body.error && body.error.message) || `${response.status} ${response.statusText}`;
      if (response.status === 401) {
        showBanner(token
          ? `The server refused the token in this page's address (${message}). Open the page with the right ?token=.`
          : `This server needs a token: open the page as ${location.origin}/?token=YOUR_TOKEN (${message}).`);
      }
      throw new ApiError(response.status, message);
    }
    return body;
  }

  function showBanner(message) {
    const banner = $('banner');
    banner.textContent = message;
    banner.hidden = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Page state.

  const state = {
    query: '',
    sort: 'id',
    order: 'asc',
    offset: 0,
    total: 0,
    tracks: [],
    selectedId: null,
    health: null,
    unreachableSince: null, // a Date while the server does not answer
    view: 'tracks',
    mapTracks: [],
  };
  const knownTracks = new Map(); // id -> the latest track JSON seen
  let tracksRequest = null; // AbortController of the table's request in flight
  let pollTimer = null;

  function remember(track) {
    knownTracks.set(track.id, track);
  }

  // ---------------------------------------------------------------------------------------------
  // Health.

  async function loadHealth() {
    try {
      const health = await api('/api/health');
      state.health = health;
      $('server-info').textContent =
        `auralis ${health.version} - ${health.tracks} track${health.tracks === 1 ? '' : 's'} - engine ${health.engine} - fingerprint v${health.fingerprint_version}`;
      $('player-note').textContent = health.streaming === true ? '' : '(this server does not announce streaming on /ws yet)';
      serverReached();
    } catch (error) {
      if (error.status === 0) {
        serverLost(error.message);
      } else {
        $('server-info').textContent = `server error: ${error.message}`;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Server unreachable: a banner, and every count on the page marked stale (struck through, with
  // the time it was last true) instead of old numbers shown as if current. Health keeps being
  // asked; when the server answers again the library is reloaded and the marks go.

  function serverLost(cause) {
    if (state.unreachableSince === null) {
      state.unreachableSince = new Date();
    }
    const since = state.unreachableSince.toLocaleTimeString();
    const banner = $('offline');
    banner.textContent = `Server unreachable since ${since} (${cause}). The counts below are from before then and may be stale; retrying every ${HEALTH_POLL_MS / 1000} s.`;
    banner.hidden = false;
    document.body.dataset.server = 'unreachable';
    markStale();
  }

  function serverReached() {
    if (state.unreachableSince === null) {
      return;
    }
    state.unreachableSince = null;
    $('offline').hidden = true;
    document.body.dataset.server = 'reachable';
    markStale();
    refreshLibrary(); // what changed while we could not ask
  }

  function markStale() {
    const stale = state.unreachableSince !== null;
    for (const id of ['track-count', 'map-count', 'server-info', 'page-info']) {
      const node = $(id);
      node.classList.toggle('stale', stale);
      node.dataset.stale = stale ? 'true' : 'false';
      node.title = stale ? `stale: the server has not answered since ${state.unreachableSince.toLocaleTimeString()}` : '';
    }
  }

  function pollHealth() {
    setTimeout(async () => {
      await loadHealth();
      pollHealth();
    }, HEALTH_POLL_MS);
  }

  // ---------------------------------------------------------------------------------------------
  // Library table: search (debounced), sort, paging, status with errors.

  async function loadTracks() {
    if (tracksRequest) {
      tracksRequest.abort();
    }
    const controller = new AbortController();
    tracksRequest = controller;
    const query = new URLSearchParams({
      sort: state.sort,
      order: state.order,
      offset: String(state.offset),
      limit: String(PAGE_SIZE),
    });
    if (state.query) {
      query.set('q', state.query);
    }
    $('tracks').setAttribute('aria-busy', 'true');
    try {
      const page = await api(`/api/tracks?${query}`, { signal: controller.signal });
      if (tracksRequest !== controller) {
        return;
      }
      if (page.tracks.length === 0 && page.total > 0 && state.offset > 0) {
        // The library shrank under us: go to the last page that exists.
        state.offset = Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
        loadTracks();
        return;
      }
      state.total = page.total;
      state.tracks = page.tracks;
      page.tracks.forEach(remember);
      renderTracks();
      schedulePollIfBusy();
    } catch (error) {
      if (error.name === 'AbortError') {
        return;
      }
      if (error.status === 0) {
        // Keep the rows that were there, marked stale, rather than an empty table.
        serverLost(error.message);
        return;
      }
      state.tracks = [];
      renderTracks(`Cannot list the tracks: ${error.message}`);
    } finally {
      if (tracksRequest === controller) {
        tracksRequest = null;
        $('tracks').removeAttribute('aria-busy');
      }
    }
  }

  function renderTracks(errorMessage) {
    const body = $('tracks').tBodies[0];
    const rows = state.tracks.map((track) => {
      const status = el('span', { class: `status status-${track.status}`, title: track.error || track.status }, track.status);
      const statusCell = el('td', { class: 'status-cell', title: track.error ? `${track.status}: ${track.error}` : track.status }, status);
      const titleCell = el('td', { class: 'title-cell', title: `${trackName(track)}\n${track.path}` },
        el('div', { class: 'title' }, trackName(track)),
        el('div', { class: 'path muted small' }, track.path));
      if (track.error) {
        // One line of the cause (the API gives it without the path or the lookup trail); the
        // whole of it on hover and in the track panel.
        titleCell.append(el('div', { class: 'error-text track-error', title: track.error }, track.error));
      }
      const row = el('tr', {
        'data-track-id': track.id,
        'data-status': track.status,
        tabindex: 0,
        'aria-selected': track.id === state.selectedId ? 'true' : 'false',
        class: track.id === state.selectedId ? 'selected' : null,
      },
      titleCell,
      el('td', { title: track.artist || null }, track.artist || ''),
      el('td', { title: track.album || null }, track.album || ''),
      el('td', { class: 'num tabular' }, formatTime(track.duration_s)),
      statusCell,
      el('td', { class: 'num tabular lufs' }, formatNumber(track.lufs, 1)),
      el('td', { class: 'num tabular crest' }, formatNumber(track.crest_db, 1)));
      return row;
    });
    body.replaceChildren(...rows);

    const empty = $('tracks-empty');
    if (errorMessage) {
      empty.textContent = errorMessage;
      empty.classList.add('error-text');
      empty.hidden = false;
    } else if (rows.length === 0) {
      empty.textContent = state.query
        ? `No track matches "${state.query}".`
        : 'The library is empty: press "Scan library" to scan the server\'s --root folders.';
      empty.classList.remove('error-text');
      empty.hidden = false;
    } else {
      empty.hidden = true;
    }

    const noun = state.total === 1 ? 'track' : 'tracks';
    $('track-count').textContent = state.query ? `${state.total} ${noun} match` : `${state.total} ${noun}`;
    markStale();
    const first = state.total === 0 ? 0 : state.offset + 1;
    const last = Math.min(state.total, state.offset + state.tracks.length);
    $('page-info').textContent = `${first}-${last} of ${state.total}`;
    $('page-prev').disabled = state.offset === 0;
    $('page-next').disabled = state.offset + PAGE_SIZE >= state.total;

    for (const th of $('tracks').tHead.rows[0].cells) {
      const key = th.dataset.sort;
      th.setAttribute('aria-sort', key === state.sort ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none');
    }
  }

  // While tracks on the page are being fingerprinted, the table follows every POLL_MS; the map
  // (which pages through the whole library) at most every MAP_POLL_MS, and once at the end.
  let pageWasBusy = false;

  function schedulePollIfBusy() {
    const busy = state.tracks.some((t) => t.status === 'pending' || t.status === 'processing');
    if (busy && !pollTimer) {
      pollTimer = setTimeout(() => {
        pollTimer = null;
        loadHealth();
        loadTracks();
        if (Date.now() - mapLoadedAt > MAP_POLL_MS) {
          loadMap();
        }
      }, POLL_MS);
    } else if (!busy && pageWasBusy) {
      loadMap();
    }
    pageWasBusy = busy;
  }

  function refreshLibrary() {
    loadHealth();
    loadTracks();
    loadMap();
  }

  function wireTable() {
    let debounce = null;
    $('search').addEventListener('input', (event) => {
      clearTimeout(debounce);
      const value = event.target.value.trim();
      debounce = setTimeout(() => {
        if (value !== state.query) {
          state.query = value;
          state.offset = 0;
          loadTracks();
        }
      }, SEARCH_DEBOUNCE_MS);
    });

    $('tracks').tHead.addEventListener('click', (event) => {
      const th = event.target.closest('th[data-sort]');
      if (!th) {
        return;
      }
      const key = th.dataset.sort;
      if (state.sort === key) {
        state.order = state.order === 'asc' ? 'desc' : 'asc';
      } else {
        state.sort = key;
        state.order = 'asc';
      }
      state.offset = 0;
      loadTracks();
    });

    const body = $('tracks').tBodies[0];
    body.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-track-id]');
      if (row) {
        selectTrack(Number(row.dataset.trackId));
      }
    });
    body.addEventListener('keydown', (event) => {
      const row = event.target.closest('tr[data-track-id]');
      if (!row) {
        return;
      }
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        selectTrack(Number(row.dataset.trackId));
      } else if (event.key === 'ArrowDown' && row.nextElementSibling) {
        event.preventDefault();
        row.nextElementSibling.focus();
      } else if (event.key === 'ArrowUp' && row.previousElementSibling) {
        event.preventDefault();
        row.previousElementSibling.focus();
      }
    });

    $('page-prev').addEventListener('click', () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      loadTracks();
    });
    $('page-next').addEventListener('click', () => {
      if (state.offset + PAGE_SIZE < state.total) {
        state.offset += PAGE_SIZE;
        loadTracks();
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Selection: table row, map point and similar track all land here.

  let selectionToken = 0;

  async function selectTrack(id, { updateAddress = true } = {}) {
    if (!Number.isInteger(id) || id <= 0) {
      return;
    }
    const mine = ++selectionToken;
    state.selectedId = id;
    if (updateAddress) {
      // The hash keeps the selection; the query (with ?token=) stays as it is.
      history.replaceState(null, '', `${location.pathname}${location.search}#track=${id}`);
    }
    for (const row of $('tracks').tBodies[0].rows) {
      const selected = Number(row.dataset.trackId) === id;
      row.classList.toggle('selected', selected);
      row.setAttribute('aria-selected', selected ? 'true' : 'false');
    }
    highlightMapPoint(id);
    const known = knownTracks.get(id);
    if (!player.isActive()) {
      player.setTrack(id, !isFailed(known)); // nothing plays: the bar's buttons cue the selection
    }
    renderSelectionButtons();

    renderDetail(known, id);
    $('fingerprint').replaceChildren(el('p', { class: 'muted' }, 'Loading the fingerprint (computed on demand when none is stored)...'));
    $('fingerprint').dataset.trackId = '';
    $('fingerprint-source').textContent = '';
    $('similar').replaceChildren();
    $('similar-note').textContent = 'Loading...';

    const fresh = await api(`/api/tracks/${id}`).catch((error) => {
      if (mine === selectionToken) {
        renderDetail(null, id, error.message);
      }
      return null;
    });
    if (mine !== selectionToken) {
      return;
    }
    if (fresh) {
      remember(fresh);
      renderDetail(fresh, id);
      if (!player.isActive()) {
        player.setTrack(id, !isFailed(fresh));
      }
      renderSelectionButtons();
    }
    if (isFailed(fresh)) {
      // The cause is shown once, in the detail above: asking for a fingerprint would only try the
      // same file again and answer with the same cause and every lookup tier it tried.
      $('fingerprint').dataset.trackId = String(id);
      $('fingerprint').replaceChildren(el('p', { class: 'muted' }, 'No fingerprint: the file could not be read (the cause is above).'));
      $('similar').replaceChildren();
      $('similar-note').textContent = 'No fingerprint, so no neighbours.';
      return;
    }
    const loadFingerprint = api(`/api/tracks/${id}/fingerprint`).then((fingerprint) => {
      if (mine === selectionToken) {
        renderFingerprint(fingerprint);
      }
    }).catch((error) => {
      if (mine === selectionToken) {
        $('fingerprint').replaceChildren(el('p', { class: 'error-text' }, `No fingerprint: ${error.message}`));
      }
    });
    const loadSimilar = api(`/api/tracks/${id}/similar?k=10`).then((similar) => {
      if (mine === selectionToken) {
        renderSimilar(similar);
      }
    }).catch((error) => {
      if (mine === selectionToken) {
        $('similar').replaceChildren();
        $('similar-note').textContent = error.status === 409 ? 'No fingerprint yet, so no neighbours.' : `Cannot list similar tracks: ${error.message}`;
      }
    });
    await Promise.all([loadFingerprint, loadSimilar]);
  }

  function isFailed(track) {
    return Boolean(track && track.status === 'error');
  }

  /** The detail panel's play and radio buttons are for the selected track (the bar's are for the playing one). */
  function renderSelectionButtons() {
    const known = state.selectedId ? knownTracks.get(state.selectedId) : null;
    const playable = Boolean(state.selectedId) && !isFailed(known);
    for (const button of [$('play-enhanced'), $('play-normal')]) {
      button.disabled = !playable;
      button.title = state.selectedId && !playable ? 'This track failed: there is no audio to play' : '';
    }
    $('radio').disabled = !(playable && known && known.status === 'complete');
  }

  /** Play enhanced / Play original in the detail panel: the selected track alone, now. */
  function playSelected(mode) {
    const known = knownTracks.get(state.selectedId);
    if (!state.selectedId || isFailed(known)) {
      return;
    }
    playQueue([known || { id: state.selectedId }], 0, { kind: 'track', mode });
  }

  function renderDetail(track, id, errorMessage) {
    const detail = $('track-detail');
    detail.dataset.trackId = String(id);
    if (!track) {
      detail.replaceChildren(errorMessage
        ? el('p', { class: 'error-text' }, `Track ${id}: ${errorMessage}`)
        : el('p', { class: 'muted' }, `Track ${id}`));
      return;
    }
    const facts = [
      track.artist, track.album, formatTime(track.duration_s),
      track.format, track.sample_rate ? `${track.sample_rate} Hz` : null,
      track.channels ? `${track.channels} ch` : null,
    ].filter(Boolean).join(' - ');
    const children = [
      el('p', { class: 'detail-title' }, trackName(track)),
      el('p', { class: 'muted small path' }, track.path),
      el('p', { class: 'small' }, facts),
      el('p', { class: 'small' },
        el('span', { class: `status status-${track.status}` }, track.status),
        track.lufs !== null && track.lufs !== undefined ? ` ${formatNumber(track.lufs, 1)} LUFS, crest ${formatNumber(track.crest_db, 1)} dB (${lwrpZone(track.lufs, track.crest_db).label})` : ''),
    ];
    if (track.error) {
      children.push(el('p', { class: 'error-text small track-detail-error' }, `Cannot play or fingerprint this file: ${track.error}`));
    }
    detail.replaceChildren(...children);
  }

  // ---------------------------------------------------------------------------------------------
  // Fingerprint chart: 25 bars in seven groups, drawn as SVG.

  function rangeOf(name, unit) {
    return RANGE_BY_NAME[name] || RANGE_BY_UNIT[unit] || [0, 1];
  }

  function renderFingerprint(response) {
    const values = response.fingerprint || {};
    const width = 560;
    const labelWidth = 170;
    const barWidth = 250;
    const rowHeight = 17;
    const groupGap = 22;
    const rows = DIMENSIONS.groups.reduce((n, g) => n + g.dimensions.length, 0);
    const height = rows * rowHeight + DIMENSIONS.groups.length * groupGap + 4;
    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      class: 'fingerprint-chart',
      role: 'img',
      'aria-label': `Fingerprint of track ${response.track_id}: ${rows} dimensions in ${DIMENSIONS.groups.length} groups`,
    });
    let y = 0;
    for (const group of DIMENSIONS.groups) {
      const g = svg('g', { class: `fp-group g-${group.name}`, 'data-group': group.name });
      y += groupGap;
      g.append(svg('text', { x: 0, y: y - 6, class: 'fp-group-label' }, group.name));
      for (const index of group.dimensions) {
        const name = DIMENSIONS.names[index];
        const unit = DIMENSIONS.units[index];
        const value = Number(values[name]);
        const [low, high] = rangeOf(name, unit);
        const scale = (v) => labelWidth + ((clamp(v, low, high) - low) / (high - low)) * barWidth;
        const zero = scale(low < 0 && high > 0 ? 0 : low);
        const end = Number.isFinite(value) ? scale(value) : zero;
        const row = svg('g', { class: 'fp-row', 'data-dim': name });
        row.append(
          svg('title', null, `${name}: ${formatValue(value, unit)} (unit ${unit}; bar range ${low} to ${high})`),
          svg('text', { x: labelWidth - 8, y: y + rowHeight - 5, class: 'fp-label', 'text-anchor': 'end' }, name),
          svg('rect', { x: labelWidth, y: y + 2, width: barWidth, height: rowHeight - 4, class: 'fp-track' }),
          svg('rect', {
            x: Math.min(zero, end), y: y + 2, width: Math.max(1, Math.abs(end - zero)), height: rowHeight - 4,
            class: 'fp-bar', 'data-dim': name, 'data-value': Number.isFinite(value) ? value : '',
          }),
          svg('text', { x: labelWidth + barWidth + 8, y: y + rowHeight - 5, class: 'fp-value' }, formatValue(value, unit)));
        if (low < 0 && high > 0) {
          row.append(svg('line', { x1: zero, x2: zero, y1: y + 1, y2: y + rowHeight - 1, class: 'fp-zero' }));
        }
        g.append(row);
        y += rowHeight;
      }
      chart.append(g);
    }
    const container = $('fingerprint');
    container.dataset.trackId = String(response.track_id);
    const notes = (response.notes || []).length ? el('p', { class: 'muted small' }, response.notes.join('; ')) : null;
    container.replaceChildren(chart, ...(notes ? [notes] : []));
    $('fingerprint-source').textContent = `source: ${response.source} - fingerprint v${response.fingerprint_version}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Library map: LUFS x crest of every fingerprinted track, with the LWRP zones.

  function lwrpZone(lufs, crest) {
    if (lufs <= LWRP_LUFS) {
      return { name: 'full', label: 'quiet/dynamic: full chain' };
    }
    return crest < LWRP_CREST_DB
      ? { name: 'expansion', label: 'loud/compressed: expansion' }
      : { name: 'limiting', label: 'loud/dynamic: safety limiting' };
  }

  let mapRequest = 0;
  let mapLoadedAt = 0;

  async function loadMap() {
    const mine = ++mapRequest;
    mapLoadedAt = Date.now();
    const tracks = [];
    try {
      for (let offset = 0; ; offset += MAP_PAGE_SIZE) {
        const page = await api(`/api/tracks?sort=id&limit=${MAP_PAGE_SIZE}&offset=${offset}`);
        if (mine !== mapRequest) {
          return;
        }
        for (const track of page.tracks) {
          remember(track);
          if (Number.isFinite(track.lufs) && Number.isFinite(track.crest_db)) {
            tracks.push(track);
          }
        }
        if (page.tracks.length === 0 || offset + MAP_PAGE_SIZE >= page.total) {
          break;
        }
      }
    } catch (error) {
      if (mine === mapRequest) {
        if (error.status === 0) {
          serverLost(error.message); // keep the map drawn, its count marked stale
        } else {
          $('map').replaceChildren(el('p', { class: 'error-text' }, `Cannot draw the map: ${error.message}`));
        }
      }
      return;
    }
    state.mapTracks = tracks;
    renderMap();
  }

  function niceStep(span) {
    const raw = span / 8;
    for (const step of [1, 2, 5, 10, 20, 50]) {
      if (raw <= step) {
        return step;
      }
    }
    return 100;
  }

  function renderMap() {
    const tracks = state.mapTracks;
    const width = 640;
    const height = 400;
    const m = { left: 48, right: 14, top: 14, bottom: 40 };
    // The usual range of music, widened to the points that are not outliers: one track of
    // digital silence at -70 LUFS must not squash everything else into a corner. Outliers are
    // drawn pinned to the edge, marked, with their real values in the tooltip.
    const [lufsLow, lufsHigh] = robustExtent(tracks.map((t) => t.lufs), -28, -5);
    const [crestLow, crestHigh] = robustExtent(tracks.map((t) => t.crest_db), 1, 22);
    const xMin = Math.floor(lufsLow - 2);
    const xMax = Math.ceil(lufsHigh + 1);
    const yMin = Math.floor(Math.min(0, crestLow - 1));
    const yMax = Math.ceil(crestHigh + 2);
    const x = (v) => m.left + ((clamp(v, xMin, xMax) - xMin) / (xMax - xMin)) * (width - m.left - m.right);
    const y = (v) => height - m.bottom - ((clamp(v, yMin, yMax) - yMin) / (yMax - yMin)) * (height - m.top - m.bottom);
    const offAxes = (t) => t.lufs < xMin || t.lufs > xMax || t.crest_db < yMin || t.crest_db > yMax;
    const plot = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      class: 'map-chart',
      role: 'img',
      'aria-label': `Library map: ${tracks.length} fingerprinted tracks by loudness and crest factor`,
    });

    // Zones first, so that everything else is drawn over them.
    const xSplit = x(LWRP_LUFS);
    const ySplit = y(LWRP_CREST_DB);
    const top = m.top;
    const bottom = height - m.bottom;
    const right = width - m.right;
    plot.append(
      svg('rect', { x: m.left, y: top, width: xSplit - m.left, height: bottom - top, class: 'zone zone-full' }),
      svg('rect', { x: xSplit, y: top, width: right - xSplit, height: ySplit - top, class: 'zone zone-limiting' }),
      svg('rect', { x: xSplit, y: ySplit, width: right - xSplit, height: bottom - ySplit, class: 'zone zone-expansion' }),
      // Short names in the plot (they give way to each other and to the LWRP labels when the
      // zones are small); the legend under the map says what each zone gets.
      svg('text', { x: m.left + 8, y: top + 16, class: 'zone-label map-label', 'data-priority': 3 }, 'full chain'),
      svg('text', { x: right - 6, y: top + 16, class: 'zone-label map-label', 'text-anchor': 'end', 'data-priority': 3 }, 'safety limiting'),
      svg('text', { x: right - 6, y: bottom - 8, class: 'zone-label map-label', 'text-anchor': 'end', 'data-priority': 3 }, 'expansion'));

    // Axes and grid.
    const axes = svg('g', { class: 'axes' });
    const xStep = niceStep(xMax - xMin);
    for (let v = Math.ceil(xMin / xStep) * xStep; v <= xMax; v += xStep) {
      axes.append(
        svg('line', { x1: x(v), x2: x(v), y1: top, y2: bottom, class: 'grid' }),
        svg('text', { x: x(v), y: bottom + 14, 'text-anchor': 'middle', class: 'tick map-label', 'data-priority': 2 }, String(v)));
    }
    const yStep = niceStep(yMax - yMin);
    for (let v = Math.ceil(yMin / yStep) * yStep; v <= yMax; v += yStep) {
      axes.append(
        svg('line', { x1: m.left, x2: right, y1: y(v), y2: y(v), class: 'grid' }),
        svg('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick map-label', 'data-priority': 2 }, String(v)));
    }
    axes.append(
      svg('rect', { x: m.left, y: top, width: right - m.left, height: bottom - top, class: 'frame' }),
      svg('text', { x: (m.left + right) / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis-label map-label', 'data-priority': 0 }, 'integrated loudness (LUFS)'),
      svg('text', { x: 12, y: (top + bottom) / 2, 'text-anchor': 'middle', class: 'axis-label map-label', 'data-priority': 0, transform: `rotate(-90 12 ${(top + bottom) / 2})` }, 'crest factor (dB)'));
    plot.append(axes);

    // The LWRP lines: -12 LUFS over the whole height; 13 dB on the loud side, where it decides.
    plot.append(
      svg('line', { x1: xSplit, x2: xSplit, y1: top, y2: bottom, class: 'lwrp-line lwrp-lufs' }),
      svg('text', { x: xSplit + 4, y: bottom - 6, class: 'lwrp-label map-label', 'data-priority': 1 }, `${LWRP_LUFS} LUFS`),
      svg('line', { x1: xSplit, x2: right, y1: ySplit, y2: ySplit, class: 'lwrp-line lwrp-crest' }),
      svg('text', { x: xSplit + 4, y: ySplit - 4, class: 'lwrp-label map-label', 'data-priority': 1 }, `${LWRP_CREST_DB} dB`));

    const points = svg('g', { class: 'points' });
    for (const track of tracks) {
      const zone = lwrpZone(track.lufs, track.crest_db);
      const outlier = offAxes(track);
      points.append(svg('circle', {
        cx: x(track.lufs).toFixed(1), cy: y(track.crest_db).toFixed(1), r: 5,
        class: `map-point point-${zone.name}${outlier ? ' outlier' : ''}`, 'data-track-id': track.id,
        'data-outlier': outlier ? 'true' : null,
      }, svg('title', null, `${trackName(track)}: ${formatNumber(track.lufs, 1)} LUFS, crest ${formatNumber(track.crest_db, 1)} dB (${zone.label})${outlier ? ' - off the axes, pinned to the edge' : ''}`)));
    }
    points.addEventListener('click', (event) => {
      const point = event.target.closest('circle[data-track-id]');
      if (point) {
        selectTrack(Number(point.getAttribute('data-track-id')));
      }
    });
    plot.append(points);

    $('map').replaceChildren(plot);
    avoidLabelCollisions(plot);
    const pinned = tracks.filter(offAxes).length;
    $('map-count').textContent = `${tracks.length} fingerprinted track${tracks.length === 1 ? '' : 's'}${pinned ? `, ${pinned} off the axes (pinned to the edge)` : ''}`;
    markStale();
    highlightMapPoint(state.selectedId);
  }

  /**
   * The axis range of one value: the usual range [low, high] widened to every point that is not
   * an outlier. Outliers lie beyond Tukey's far fences (3 interquartile ranges outside the
   * quartiles), which works from a handful of tracks on, where the 2nd..98th percentile of a
   * small library would still include its one silent track.
   */
  function robustExtent(values, low, high) {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (sorted.length === 0) {
      return [low, high];
    }
    const quantile = (q) => {
      const at = (sorted.length - 1) * q;
      const i = Math.floor(at);
      return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (at - i);
    };
    const q1 = quantile(0.25);
    const q3 = quantile(0.75);
    const spread = Math.max(q3 - q1, 1); // identical values: no fence at zero width
    const inside = sorted.filter((v) => v >= q1 - 3 * spread && v <= q3 + 3 * spread);
    return [Math.min(low, inside[0]), Math.max(high, inside[inside.length - 1])];
  }

  /**
   * Labels that would overlap are moved or hidden: in order of priority (axis titles, LWRP
   * labels, ticks, zone names), each label is kept where it is if it overlaps none kept so far,
   * else moved one, then two lines toward the middle of the plot (so it stays inside), else
   * hidden (class label-hidden), so nothing is drawn over anything else.
   */
  function avoidLabelCollisions(plot) {
    const middle = plot.viewBox.baseVal.height / 2;
    const labels = [...plot.querySelectorAll('text.map-label')]
      .sort((a, b) => Number(a.dataset.priority) - Number(b.dataset.priority));
    const kept = [];
    const overlaps = (r) => kept.some((k) => r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom);
    for (const label of labels) {
      const y0 = Number(label.getAttribute('y'));
      let placed = false;
      for (const dy of y0 > middle ? [0, -12, -24] : [0, 12, 24]) {
        label.setAttribute('y', String(y0 + dy));
        const box = label.getBoundingClientRect();
        const r = { left: box.left - 1, right: box.right + 1, top: box.top - 1, bottom: box.bottom + 1 };
        if (box.width === 0 || !overlaps(r)) {
          kept.push(r);
          placed = true;
          break;
        }
      }
      if (!placed) {
        label.setAttribute('y', String(y0));
        label.classList.add('label-hidden');
      }
    }
  }

  function highlightMapPoint(id) {
    const points = document.querySelector('#map g.points');
    if (!points) {
      return;
    }
    for (const previous of points.querySelectorAll('circle.selected')) {
      previous.classList.remove('selected');
      previous.setAttribute('r', '5');
    }
    const point = id ? points.querySelector(`circle[data-track-id="${id}"]`) : null;
    if (point) {
      point.classList.add('selected');
      point.setAttribute('r', '8');
      points.append(point); // last drawn = on top
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Similar tracks.

  function renderSimilar(similar) {
    const items = similar.map((s) => {
      const known = knownTracks.get(s.track_id);
      const button = el('button', { type: 'button', class: 'link', 'data-track-id': s.track_id },
        known ? trackName(known) : basename(s.path) || `track ${s.track_id}`);
      button.addEventListener('click', () => selectTrack(s.track_id));
      return el('li', { 'data-track-id': s.track_id }, button, el('span', { class: 'muted small tabular' }, ` distance ${s.distance.toFixed(3)}`));
    });
    $('similar').replaceChildren(...items);
    $('similar-note').textContent = items.length === 0 ? 'No other fingerprinted track yet.' : '';
  }

  // ---------------------------------------------------------------------------------------------
  // Artist and album views: artists -> albums -> an album's tracks (GET /api/artists,
  // /api/albums, /api/albums/tracks), and playing an album in its order.

  const UNKNOWN_ARTIST = 'Unknown artist';
  const UNKNOWN_ALBUM = 'Unknown album';
  // Where the browse view is: { level: 'artists' } | { level: 'albums', artist?, allArtists } |
  // { level: 'album', artist, album, from }. An artist or album of null is the untagged group.
  let browseAt = { level: 'artists' };
  let browseRequest = 0;

  function showView(view) {
    state.view = view;
    for (const button of document.querySelectorAll('.views button')) {
      button.setAttribute('aria-selected', button.dataset.view === view ? 'true' : 'false');
    }
    $('tracks-view').hidden = view !== 'tracks';
    $('browse').hidden = view === 'tracks';
    if (view === 'artists') {
      browse({ level: 'artists' });
    } else if (view === 'albums') {
      browse({ level: 'albums', allArtists: true });
    }
  }

  function crumb(text, target) {
    if (!target) {
      return el('span', { class: 'crumb current', 'aria-current': 'page' }, text);
    }
    const button = el('button', { type: 'button', class: 'link crumb' }, text);
    button.addEventListener('click', () => browse(target));
    return button;
  }

  async function browse(at) {
    browseAt = at;
    const mine = ++browseRequest;
    const list = $('browse-list');
    const note = $('browse-note');
    const path = [];
    const root = at.allArtists || (at.level === 'album' && at.from === 'albums')
      ? { text: 'All albums', target: { level: 'albums', allArtists: true } }
      : { text: 'Artists', target: { level: 'artists' } };
    path.push(root);
    if (at.level !== 'artists' && !at.allArtists && !(at.level === 'album' && at.from === 'albums')) {
      path.push({ text: at.artist ?? UNKNOWN_ARTIST, target: { level: 'albums', artist: at.artist } });
    }
    if (at.level === 'album') {
      path.push({ text: at.album ?? UNKNOWN_ALBUM, target: null });
    }
    const nodes = [];
    path.forEach((p, i) => {
      if (i > 0) {
        nodes.push(el('span', { class: 'sep', 'aria-hidden': 'true' }, '>'));
      }
      nodes.push(crumb(p.text, i === path.length - 1 ? null : p.target));
    });
    $('browse-path').replaceChildren(...nodes);
    note.hidden = true;
    $('album').hidden = at.level !== 'album';
    list.hidden = at.level === 'album';
    $('browse').dataset.level = at.level;
    // The previous level's items go at once: a click on them now would open the wrong thing.
    list.replaceChildren();
    $('browse').setAttribute('aria-busy', 'true');

    try {
      if (at.level === 'artists') {
        const answer = await api('/api/artists');
        if (mine !== browseRequest) {
          return;
        }
        list.replaceChildren(...answer.artists.map((a) => browseItem(
          a.artist ?? UNKNOWN_ARTIST, a.artist === null,
          `${a.albums} album${a.albums === 1 ? '' : 's'}, ${a.tracks} track${a.tracks === 1 ? '' : 's'}`,
          { 'data-artist': a.artist ?? '' },
          () => browse({ level: 'albums', artist: a.artist }))));
        showEmpty(answer.artists.length === 0, 'The library is empty.');
      } else if (at.level === 'albums') {
        const query = at.allArtists ? '' : `?${new URLSearchParams({ artist: at.artist ?? '' })}`;
        const answer = await api(`/api/albums${query}`);
        if (mine !== browseRequest) {
          return;
        }
        list.replaceChildren(...answer.albums.map((a) => browseItem(
          a.album ?? UNKNOWN_ALBUM, a.album === null,
          [at.allArtists ? (a.artist ?? UNKNOWN_ARTIST) : null,
            `${a.tracks} track${a.tracks === 1 ? '' : 's'}`, formatTime(a.duration_s),
            a.failed ? `${a.failed} failed` : null].filter(Boolean).join(' - '),
          { 'data-album': a.album ?? '', 'data-artist': a.artist ?? '' },
          () => browse({ level: 'album', artist: a.artist, album: a.album, from: at.allArtists ? 'albums' : 'artists' }))));
        showEmpty(answer.albums.length === 0, 'No albums.');
      } else {
        const query = new URLSearchParams({ artist: at.artist ?? '', album: at.album ?? '' });
        const answer = await api(`/api/albums/tracks?${query}`);
        if (mine !== browseRequest) {
          return;
        }
        answer.tracks.forEach(remember);
        renderAlbum(answer.tracks);
      }
    } catch (error) {
      if (mine === browseRequest) {
        if (error.status === 0) {
          serverLost(error.message);
        }
        showEmpty(true, `Cannot list them: ${error.message}`);
      }
    } finally {
      if (mine === browseRequest) {
        $('browse').removeAttribute('aria-busy');
      }
    }
  }

  function showEmpty(empty, text) {
    const note = $('browse-note');
    note.textContent = text;
    note.hidden = !empty;
  }

  function browseItem(name, unknown, facts, attrs, open) {
    const button = el('button', { type: 'button', title: `${name} (${facts})`, ...attrs },
      el('span', { class: 'name' }, name), el('span', { class: 'facts' }, facts));
    button.addEventListener('click', open);
    return el('li', { class: unknown ? 'unknown' : null }, button);
  }

  function renderAlbum(tracks) {
    $('album').dataset.count = String(tracks.length);
    const rows = tracks.map((track, i) => {
      const failed = isFailed(track);
      const play = el('button', {
        type: 'button', class: 'album-play', disabled: failed,
        title: failed ? `This track failed: ${track.error || 'no audio'}` : `Play the album from here`,
      }, '\u25B6');
      play.addEventListener('click', (event) => {
        event.stopPropagation();
        playAlbum(tracks, i);
      });
      const row = el('tr', { 'data-track-id': track.id, 'data-status': track.status, tabindex: 0 },
        el('td', { class: 'num tabular' }, String(i + 1)),
        el('td', { class: 'title-cell', title: `${trackName(track)}\n${track.path}${track.error ? `\n${track.error}` : ''}` },
          el('div', { class: 'title' }, trackName(track)),
          track.error ? el('div', { class: 'error-text track-error' }, track.error) : null),
        el('td', { class: 'num tabular' }, formatTime(track.duration_s)),
        el('td', null, el('span', { class: `status status-${track.status}`, title: track.error || track.status }, track.status)),
        el('td', null, play));
      row.addEventListener('click', () => selectTrack(track.id));
      return row;
    });
    $('album-tracks').tBodies[0].replaceChildren(...rows);
    const playable = tracks.filter((t) => !isFailed(t)).length;
    $('play-album').disabled = playable === 0;
    $('play-album').onclick = () => playAlbum(tracks, 0);
    showEmpty(tracks.length === 0, 'No tracks.');
    renderAlbumQueue();
  }

  /** Plays an album from track `from` on, in the album's order, skipping failed tracks. */
  function playAlbum(tracks, from) {
    const playable = tracks.filter((t, i) => i >= from && !isFailed(t));
    const album = tracks[0] ? (tracks[0].album ?? UNKNOWN_ALBUM) : UNKNOWN_ALBUM;
    playQueue(playable, 0, { kind: 'album', label: album });
  }

  /** The album view's rows: the one playing is marked, and the line above says where the queue is. */
  function renderAlbumQueue() {
    const playing = queue.kind === 'album' && player.isActive() ? queue.tracks[queue.index] : null;
    $('album-queue').textContent = playing
      ? `playing ${queue.index + 1} of ${queue.tracks.length}: ${trackName(playing)}`
      : '';
    for (const row of $('album-tracks').tBodies[0].rows) {
      row.classList.toggle('now-playing', Boolean(playing) && Number(row.dataset.trackId) === playing.id);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The play queue: an album, a radio playlist (GET /api/playlist) or a single track. The player
  // plays its current track; at the end of one the next starts (auto-next); previous and next
  // move through it. Stopping keeps it, so Play/Next go on from where it was.

  const queue = { tracks: [], index: -1, kind: null, label: '' };

  function playQueue(tracks, index, { kind, label = '', mode = null }) {
    queue.tracks = tracks;
    queue.index = tracks.length > 0 ? index : -1;
    queue.kind = kind;
    queue.label = label;
    playQueueItem(mode ?? player.preferredMode());
  }

  function playQueueItem(mode) {
    const track = queue.tracks[queue.index];
    renderQueue();
    if (track) {
      player.playTrack(track.id, mode, 0);
    }
  }

  function hasNext() {
    return queue.index >= 0 && queue.index + 1 < queue.tracks.length;
  }

  function nextTrack() {
    if (hasNext()) {
      queue.index++;
      playQueueItem(player.preferredMode());
    }
  }

  /** Back to the start of the track after its first 3 s (as players do), else the track before. */
  function previousTrack() {
    if (queue.index > 0 && player.position() < 3) {
      queue.index--;
      playQueueItem(player.preferredMode());
    } else if (player.trackId) {
      player.restart();
    }
  }

  /** The player's state changed: the next track after one ended, and the bar and album rows follow. */
  function followQueue(playerState, trackId) {
    const current = queue.tracks[queue.index];
    if (playerState === 'ended' && current && current.id === trackId && hasNext()) {
      nextTrack();
      return;
    }
    renderQueue();
  }

  function renderQueue() {
    const current = queue.tracks[queue.index];
    const playingId = player.trackId;
    const playing = playingId ? knownTracks.get(playingId) : null;
    const bar = $('now-playing');
    const visible = player.status.state !== 'idle';
    bar.hidden = !visible;
    document.body.classList.toggle('has-now-playing', visible);
    $('np-track').textContent = playing
      ? [trackName(playing), playing.artist].filter(Boolean).join(' - ')
      : (playingId ? `track ${playingId}` : '');
    $('np-track').title = playing ? `Show this track (${playing.path})` : 'Show this track';
    const where = current && current.id === playingId && queue.tracks.length > 1
      ? `${queue.index + 1} of ${queue.tracks.length}${queue.kind === 'radio' ? ', radio' : ''}${queue.kind === 'album' && queue.label ? `, ${queue.label}` : ''}`
      : '';
    $('np-queue').textContent = where;
    $('previous').disabled = !playingId;
    $('next').disabled = !hasNext();
    renderAlbumQueue();
  }

  /**
   * "Radio from this track": the similarity walk of docs/similarity.md (each step a small change,
   * no repeats or copies of a track, no runs from one album) as the queue, the seed first.
   */
  async function startRadio(id) {
    const note = $('radio-note');
    note.classList.remove('error-text');
    note.textContent = 'Making a playlist...';
    try {
      const answer = await api(`/api/playlist?${new URLSearchParams({ seed: String(id), n: '30' })}`);
      const tracks = answer.tracks.map((entry) => entry.track);
      tracks.forEach(remember);
      const playable = tracks.filter((t) => !isFailed(t));
      if (playable.length === 0) {
        note.textContent = 'No playlist: the library has no other fingerprinted track.';
        return;
      }
      const seed = knownTracks.get(id);
      note.textContent = `Radio: ${playable.length} tracks from ${seed ? trackName(seed) : `track ${id}`}.`;
      playQueue(playable, 0, { kind: 'radio', label: seed ? trackName(seed) : '' });
    } catch (error) {
      note.classList.add('error-text');
      note.textContent = `No playlist: ${error.message}`;
    }
  }

  function wireViews() {
    for (const button of document.querySelectorAll('.views button')) {
      button.addEventListener('click', () => showView(button.dataset.view));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Scans.

  async function startScan() {
    const button = $('scan-button');
    button.disabled = true;
    try {
      let job;
      try {
        job = await api('/api/scans', { method: 'POST' });
      } catch (error) {
        if (error.status !== 409) {
          throw error;
        }
        job = await api('/api/scans/latest'); // one is running already: follow it
      }
      while (job.state === 'running') {
        $('scan-status').textContent = `scanning: ${job.done ?? 0} of ${job.total ?? '?'} done${job.failed ? `, ${job.failed} failed` : ''}`;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        job = await api(`/api/scans/${job.id}`);
        loadTracks();
      }
      $('scan-status').textContent = job.state === 'complete'
        ? `scan complete: ${job.found ?? 0} found, ${job.complete ?? 0} fingerprinted, ${job.failed ?? 0} failed, ${job.from_sidecars ?? 0} from sidecars (${job.elapsed_s} s)`
        : `scan ${job.state}${job.error ? `: ${job.error}` : ''}`;
      $('scan-status').classList.toggle('error-text', job.state !== 'complete');
    } catch (error) {
      $('scan-status').textContent = `scan failed: ${error.message}`;
      $('scan-status').classList.add('error-text');
    } finally {
      button.disabled = false;
      refreshLibrary();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Player: the /ws stream (docs/streaming.md) through the Web Audio API.

  const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  // Acks are held back while more than this much audio is queued ahead of the playhead, so the
  // browser holds at most this plus the server's 3 chunks in flight, never the whole track.
  const MAX_QUEUED_AHEAD_S = 30;
  // A chunk that arrives after the queue ran dry starts this far in the future.
  const START_LATENCY_S = 0.1;
  // A preset or intensity change fades the old stream out and the new one in over this long.
  const CROSSFADE_S = 0.25;
  // Seek step of the Left/Right keys and volume step of Up/Down.
  const KEY_SEEK_S = 10;
  const KEY_VOLUME_STEP = 0.05;
  const VOLUME_KEY = 'auralis.volume';

  /** Float32 LE interleaved -> AudioBuffer (one Float32Array per channel) and the peak |sample|. */
  function decodeChunk(data, frames, channels, sampleRate) {
    const expected = frames * channels * 4;
    if (data.byteLength !== expected) {
      throw new Error(`the chunk has ${data.byteLength} bytes, expected ${frames} frames x ${channels} channels x 4 = ${expected}`);
    }
    let samples;
    if (LITTLE_ENDIAN) {
      samples = new Float32Array(data);
    } else {
      const view = new DataView(data);
      samples = new Float32Array(frames * channels);
      for (let i = 0; i < samples.length; i++) {
        samples[i] = view.getFloat32(i * 4, true);
      }
    }
    const buffer = new AudioBuffer({ numberOfChannels: channels, length: frames, sampleRate });
    let peak = 0;
    for (let c = 0; c < channels; c++) {
      const out = buffer.getChannelData(c);
      for (let i = 0, j = c; i < frames; i++, j += channels) {
        const s = samples[j];
        out[i] = s;
        const a = s < 0 ? -s : s;
        if (a > peak) {
          peak = a;
        }
      }
    }
    return { buffer, peak };
  }

  class StreamPlayer {
    constructor() {
      this.trackId = null;
      this.ws = null;
      this.connecting = null; // Promise<WebSocket> while the socket opens
      this.ctx = null;
      this.output = null;
      this.resetStatus();
      this.stream = null; // the audio_stream_start we play
      this.awaitingStart = false; // a play_* or seek was sent; chunks before the next start are stale
      this.streamEnded = false;
      this.pendingMeta = null; // audio_chunk_meta waiting for its binary message
      this.segments = []; // scheduled chunks: {source, ctxStart, trackStart, duration}
      this.nextTime = null; // AudioContext time where the next chunk starts
      this.heldAcks = [];
      this.lastPosition = 0;
      this.seeking = false;
      this.firstChunkPending = false;
      this.serverState = null;
      this.streamGain = null; // GainNode of the stream being played (a crossfade needs one per stream)
      this.fading = null; // {gain, segments} of the stream a preset change replaces, until the crossfade ends
      this.pressedAt = null; // performance.now() of the press that started the stream (for "ready in")
      this.crossfades = 0;
      this.modeChoice = 'enhanced'; // what the next track of the queue plays as
      this.comparing = false; // streams started by the A/B toggle: played at matched loudness
      this.volume = StreamPlayer.savedVolume();
      this.enhancedLevels = new Map(); // "track|preset" -> output_lufs the server said (intensity 1)
      this.inputLevels = new Map(); // track -> its fingerprint's loudness, as an enhanced stream's lwrp said
    }

    static savedVolume() {
      try {
        const saved = Number(localStorage.getItem(VOLUME_KEY));
        return localStorage.getItem(VOLUME_KEY) !== null && Number.isFinite(saved) ? clamp(saved, 0, 1) : 1;
      } catch {
        return 1; // storage refused (private mode): full volume, not saved
      }
    }

    isActive() {
      return ['connecting', 'preparing', 'playing', 'paused'].includes(this.status.state);
    }

    preferredMode() {
      return this.modeChoice;
    }

    /** Another track, from its start (the queue's next or previous, or a Play button). */
    playTrack(id, mode, positionS = 0) {
      this.trackId = id;
      this.playable = true;
      this.comparing = false;
      this.play(mode, positionS);
    }

    /** The current track from its start, in the mode it plays. */
    restart() {
      const mode = this.status.mode || this.modeChoice;
      if (this.isActive() && this.stream && !this.streamEnded) {
        this.seek(0);
      } else {
        this.play(mode, 0, { compare: this.comparing });
      }
    }

    /** The A/B toggle: the other mode at the same position, crossfaded, both at matched loudness. */
    toggleCompare() {
      if (!this.trackId || !['playing', 'paused', 'preparing'].includes(this.status.state)) {
        return;
      }
      const other = this.status.mode === 'normal' ? 'enhanced' : 'normal';
      this.play(other, this.position(), { crossfade: true, compare: true });
    }

    /** Volume 0..1 on a squared taper (half way sounds about half as loud, not barely quieter). */
    setVolume(value) {
      this.volume = clamp(Number(value) || 0, 0, 1);
      try {
        localStorage.setItem(VOLUME_KEY, String(this.volume));
      } catch {
        // not saved; the volume still applies
      }
      if (this.output) {
        this.output.gain.setTargetAtTime(this.volume * this.volume, this.ctx.currentTime, 0.02);
      }
      $('volume').value = String(this.volume);
      $('volume-value').textContent = `${Math.round(this.volume * 100)}%`;
    }

    /**
     * The gain (dB) of the stream being played. Outside an A/B comparison, 0. Comparing (and
     * "matched loudness" ticked), both modes play at the quieter one's loudness - the louder is
     * turned down, never up, so nothing clips: the original at the fingerprint's integrated
     * loudness, the enhanced at the loudness the server's plan gives (output_lufs, for intensity
     * 1; for a blend, the level of (1 - i) x dry + i x wet of correlated signals, an estimate).
     * Null while the enhanced level of this track and preset is not known yet (no enhanced
     * stream of it has started): the original then plays unchanged.
     */
    levelDb(stream = this.stream) {
      if (!stream || !this.comparing || !$('match-loudness').checked) {
        return 0;
      }
      const track = knownTracks.get(stream.track_id);
      const input = this.inputLevels.get(stream.track_id) ?? (track ? track.lufs : null);
      const preset = stream.mode === 'enhanced' ? stream.preset : $('preset').value;
      const intensity = stream.mode === 'enhanced' ? stream.intensity : Number($('intensity').value);
      const full = this.enhancedLevels.get(`${stream.track_id}|${preset}`);
      if (!Number.isFinite(input) || !Number.isFinite(full)) {
        return null;
      }
      const blend = (1 - intensity) + intensity * Math.pow(10, (full - input) / 20);
      const enhanced = input + 20 * Math.log10(Math.max(blend, 1e-6));
      const quieter = Math.min(input, enhanced);
      return quieter - (stream.mode === 'enhanced' ? enhanced : input);
    }

    levelGain(stream = this.stream) {
      return Math.pow(10, (this.levelDb(stream) ?? 0) / 20);
    }

    /** "matched loudness" ticked or unticked while comparing: the playing stream's level follows at once. */
    applyLevel() {
      if (this.streamGain && this.ctx && !this.fading) {
        this.streamGain.gain.setTargetAtTime(this.levelGain(), this.ctx.currentTime, 0.05);
      }
      this.render();
    }

    resetStatus() {
      this.status = {
        state: 'idle',
        mode: null,
        streamId: null,
        chunksReceived: 0,
        framesReceived: 0,
        acksSent: 0,
        peak: 0,
        lastError: null,
        fingerprintSource: null,
        lwrp: null,
        readyS: null, // press to first audio (the first chunk's scheduled start), seconds
      };
    }

    /** The read-only view the tests read (window.auralisPlayer). */
    view() {
      const player = this;
      return Object.freeze({
        get state() { return player.status.state; },
        get mode() { return player.status.mode; },
        get streamId() { return player.status.streamId; },
        get trackId() { return player.trackId; },
        get chunksReceived() { return player.status.chunksReceived; },
        get framesReceived() { return player.status.framesReceived; },
        get acksSent() { return player.status.acksSent; },
        get peak() { return player.status.peak; },
        get lastError() { return player.status.lastError ? { ...player.status.lastError } : null; },
        get fingerprintSource() { return player.status.fingerprintSource; },
        get lwrp() { return player.status.lwrp ? { ...player.status.lwrp } : null; },
        get positionS() { return player.position(); },
        get readyS() { return player.status.readyS; },
        get crossfades() { return player.crossfades; },
        get fadingOut() { return player.fading !== null; },
        get volume() { return player.volume; },
        get outputGain() { return player.output ? player.output.gain.value : null; },
        get comparing() { return player.comparing; },
        get levelDb() { return player.levelDb(); },
        get queue() { return Object.freeze({ trackIds: queue.tracks.map((t) => t.id), index: queue.index, kind: queue.kind }); },
      });
    }

    /** The selected track; a failed one (nothing decodes) cannot be played, so its buttons are off. */
    setTrack(id, playable = true) {
      this.trackId = id;
      this.playable = playable;
      this.render();
    }

    // -- socket ---------------------------------------------------------------------------------

    socketUrl() {
      const url = new URL('/ws', location.href);
      url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      url.hash = '';
      url.search = '';
      if (token) {
        url.searchParams.set('token', token);
      }
      return url;
    }

    connect() {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        return Promise.resolve(this.ws);
      }
      if (this.connecting) {
        return this.connecting;
      }
      const url = this.socketUrl();
      const shown = new URL(url);
      if (shown.searchParams.has('token')) {
        shown.searchParams.set('token', '...');
      }
      this.connecting = new Promise((resolve, reject) => {
        let ws;
        try {
          ws = new WebSocket(url);
        } catch (error) {
          reject(new Error(`cannot open the stream connection ${shown}: ${error.message}`));
          return;
        }
        ws.binaryType = 'arraybuffer';
        let opened = false;
        ws.addEventListener('open', () => {
          opened = true;
          this.ws = ws;
          resolve(ws);
        });
        ws.addEventListener('message', (event) => this.onMessage(event));
        ws.addEventListener('close', (event) => {
          if (!opened) {
            reject(new Error(`cannot open the stream connection ${shown}: the server refused it or does not stream (close code ${event.code})`));
            return;
          }
          if (this.ws === ws) {
            this.ws = null;
          }
          if (['connecting', 'preparing', 'playing', 'paused'].includes(this.status.state) && !(this.streamEnded && this.segments.length > 0)) {
            this.fail('connection_closed', `the stream connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`);
          }
        });
      }).finally(() => {
        this.connecting = null;
      });
      return this.connecting;
    }

    send(message) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify(message));
        return true;
      }
      return false;
    }

    // -- audio ----------------------------------------------------------------------------------

    /** Must run inside the click handler: browsers only start audio from a user gesture. */
    ensureAudio() {
      if (!this.ctx) {
        this.ctx = new AudioContext({ latencyHint: 'playback' });
        this.output = this.ctx.createGain();
        this.output.gain.value = this.volume * this.volume;
        this.output.connect(this.ctx.destination);
      }
      if (this.ctx.state === 'suspended') {
        this.ctx.resume();
      }
    }

    static stopSegments(segments, when) {
      for (const segment of segments) {
        segment.source.onended = null;
        try {
          if (when === undefined) {
            segment.source.stop();
          } else {
            segment.source.stop(when);
          }
        } catch {
          // never started or already stopped
        }
        if (when === undefined) {
          segment.source.disconnect();
        }
      }
    }

    /** Stops the audio at once (a seek, stop, error or new track). */
    clearAudio() {
      StreamPlayer.stopSegments(this.segments);
      this.segments = [];
      this.endFade();
      this.resetQueue();
    }

    /**
     * A preset or intensity change: the old stream keeps playing (on its own gain) until the new
     * one's first chunk arrives, then they crossfade at the same track position (schedule()).
     */
    keepForCrossfade() {
      this.endFade();
      if (this.segments.length > 0 && this.streamGain) {
        for (const segment of this.segments) {
          segment.source.onended = () => segment.source.disconnect(); // no longer the playhead
        }
        this.fading = { gain: this.streamGain, segments: this.segments };
        this.streamGain = null;
      }
      this.segments = [];
      this.resetQueue();
    }

    endFade() {
      if (this.fading) {
        StreamPlayer.stopSegments(this.fading.segments);
        this.fading.gain.disconnect();
        this.fading = null;
      }
    }

    resetQueue() {
      this.nextTime = null;
      this.heldAcks = [];
      if (this.pendingMeta) {
        this.pendingMeta = { discard: true }; // its binary message is still on the way
      }
    }

    /** Track time the fading stream plays at context time `when` (null when it has nothing there). */
    fadingPositionAt(when) {
      for (const s of this.fading ? this.fading.segments : []) {
        if (when >= s.ctxStart && when < s.ctxStart + s.duration) {
          return s.trackStart + (when - s.ctxStart);
        }
      }
      return null;
    }

    gainNode() {
      if (!this.streamGain) {
        this.streamGain = this.ctx.createGain();
        this.streamGain.connect(this.output);
      }
      return this.streamGain;
    }

    position() {
      if (this.ctx && this.segments.length === 0 && this.fading) {
        return this.fadingPositionAt(this.ctx.currentTime) ?? this.lastPosition;
      }
      if (!this.ctx || this.segments.length === 0) {
        return this.lastPosition;
      }
      const now = this.ctx.currentTime;
      for (const s of this.segments) {
        if (now < s.ctxStart) {
          return s.trackStart;
        }
        if (now < s.ctxStart + s.duration) {
          return s.trackStart + (now - s.ctxStart);
        }
      }
      const last = this.segments[this.segments.length - 1];
      return last.trackStart + last.duration;
    }

    queuedAhead() {
      return this.ctx && this.nextTime !== null ? this.nextTime - this.ctx.currentTime : 0;
    }

    schedule(buffer, meta) {
      const ctx = this.ctx;
      const first = this.firstChunkPending;
      this.firstChunkPending = false;
      const now = ctx.currentTime;
      if (this.nextTime === null || this.nextTime < now + 0.01) {
        this.nextTime = now + START_LATENCY_S; // first chunk, or the queue ran dry
      }
      // The first chunk of a stream starts at (or, from older servers, contains) position_s;
      // playback begins that far into it. During a crossfade it begins where the old stream is
      // by then, so the change neither repeats nor skips music.
      let offset = first ? clamp((this.stream.position_s || 0) - meta.start_s, 0, buffer.duration) : 0;
      const gain = this.gainNode();
      if (first && this.fading) {
        const oldPosition = this.fadingPositionAt(this.nextTime);
        if (oldPosition !== null) {
          offset = clamp(oldPosition - meta.start_s, offset, buffer.duration);
        }
        const t = this.nextTime;
        gain.gain.setValueAtTime(0, t);
        gain.gain.linearRampToValueAtTime(this.levelGain(), t + CROSSFADE_S);
        this.fading.gain.gain.setValueAtTime(this.fading.gain.gain.value, t);
        this.fading.gain.gain.linearRampToValueAtTime(0, t + CROSSFADE_S);
        StreamPlayer.stopSegments(this.fading.segments, t + CROSSFADE_S);
        const fading = this.fading;
        setTimeout(() => {
          if (this.fading === fading) {
            this.endFade();
          }
        }, (t + CROSSFADE_S - now) * 1000 + 50);
        this.crossfades++;
      } else if (first) {
        gain.gain.cancelScheduledValues(0);
        gain.gain.setValueAtTime(this.levelGain(), now);
      }
      if (first && this.pressedAt !== null) {
        // Press to first audio: the wait for the chunk plus the time until it is scheduled to sound.
        this.status.readyS = (performance.now() - this.pressedAt) / 1000 + (this.nextTime - now);
        this.pressedAt = null;
      }
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(gain);
      source.start(this.nextTime, offset);
      const segment = { source, ctxStart: this.nextTime, trackStart: meta.start_s + offset, duration: buffer.duration - offset };
      source.onended = () => this.segmentEnded(segment);
      this.segments.push(segment);
      this.nextTime += segment.duration;
    }

    segmentEnded(segment) {
      const index = this.segments.indexOf(segment);
      if (index >= 0) {
        this.segments.splice(index, 1);
      }
      this.lastPosition = segment.trackStart + segment.duration;
      segment.source.disconnect();
      if (this.segments.length === 0 && this.streamEnded && this.status.state === 'playing') {
        this.setState('ended');
      }
    }

    ack(seq) {
      if (this.send({ type: 'chunk_ack', seq })) {
        this.status.acksSent++;
      }
    }

    flushAcks() {
      while (this.heldAcks.length > 0 && this.queuedAhead() <= MAX_QUEUED_AHEAD_S) {
        this.ack(this.heldAcks.shift());
      }
    }

    // -- commands -------------------------------------------------------------------------------

    /** `crossfade`: a preset or intensity change of the playing stream (the old audio plays on until the new arrives). */
    async play(mode, positionS = 0, { crossfade = false, compare = this.comparing } = {}) {
      if (!this.trackId || this.playable === false) {
        return;
      }
      this.ensureAudio();
      this.modeChoice = mode;
      this.comparing = compare;
      this.pressedAt = performance.now();
      const trackId = this.trackId;
      if (crossfade && this.status.state === 'playing') {
        this.keepForCrossfade();
      } else {
        this.clearAudio();
      }
      this.resetStatus();
      this.status.mode = mode;
      this.stream = null;
      this.streamEnded = false;
      this.awaitingStart = true;
      this.lastPosition = positionS;
      this.setState('connecting');
      let ws;
      try {
        ws = await this.connect();
      } catch (error) {
        this.fail('connection_failed', error.message);
        return;
      }
      if (trackId !== this.trackId || this.status.state !== 'connecting') {
        return; // another command came while the socket opened
      }
      const message = mode === 'enhanced'
        ? { type: 'play_enhanced', track_id: trackId, preset: $('preset').value, intensity: Number($('intensity').value), position_s: positionS }
        : { type: 'play_normal', track_id: trackId, position_s: positionS };
      ws.send(JSON.stringify(message));
      this.render();
    }

    togglePause() {
      if (this.status.state === 'playing') {
        this.send({ type: 'pause' });
        if (this.ctx) {
          this.ctx.suspend();
        }
        this.setState('paused');
      } else if (this.status.state === 'paused') {
        this.ensureAudio();
        this.send({ type: 'resume' });
        this.setState('playing');
      }
    }

    stop() {
      this.send({ type: 'stop' });
      this.clearAudio();
      this.lastPosition = 0;
      this.stream = null;
      this.awaitingStart = false;
      this.setState('stopped');
    }

    seek(positionS) {
      const mode = this.status.mode;
      if (!mode || this.status.state === 'idle' || this.status.state === 'error') {
        return;
      }
      this.ensureAudio();
      const live = this.stream && !this.streamEnded && this.ws && this.ws.readyState === WebSocket.OPEN
        && ['preparing', 'playing', 'paused'].includes(this.status.state);
      if (!live) {
        // Nothing to restart on the server (ended or stopped): a new stream at that position.
        this.play(mode, positionS);
        return;
      }
      const wasPaused = this.status.state === 'paused';
      this.pressedAt = performance.now();
      this.clearAudio();
      this.status.readyS = null;
      this.lastPosition = positionS;
      this.awaitingStart = true;
      this.send({ type: 'seek', position_s: positionS });
      if (wasPaused) {
        this.send({ type: 'resume' });
      }
      this.setState('preparing');
    }

    fail(code, message) {
      this.status.lastError = { code, message };
      this.clearAudio();
      this.stream = null;
      this.awaitingStart = false;
      this.setState('error');
    }

    // -- messages from the server ---------------------------------------------------------------

    onMessage(event) {
      if (typeof event.data !== 'string') {
        this.onChunkData(event.data);
        return;
      }
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        console.warn('auralis: a text message from /ws is not JSON', event.data);
        return;
      }
      switch (message.type) {
        case 'preparing':
          if (this.awaitingStart && this.status.state !== 'error') {
            this.setState('preparing');
          }
          break;
        case 'audio_stream_start':
          if (this.awaitingStart) {
            this.awaitingStart = false;
            this.stream = message;
            this.streamEnded = false;
            this.firstChunkPending = true;
            this.lastPosition = message.position_s || 0;
            this.status.streamId = message.stream_id;
            this.status.mode = message.mode || this.status.mode;
            this.status.fingerprintSource = message.fingerprint_source ?? null;
            this.status.lwrp = message.lwrp ?? null;
            if (message.mode === 'enhanced' && Number.isFinite(message.output_lufs)) {
              this.enhancedLevels.set(`${message.track_id}|${message.preset}`, message.output_lufs);
            }
            if (message.lwrp && Number.isFinite(message.lwrp.lufs)) {
              this.inputLevels.set(message.track_id, message.lwrp.lufs);
            }
            if (this.status.state !== 'paused') {
              this.setState('preparing'); // until the first chunk is queued
            }
            this.render();
          }
          break;
        case 'audio_chunk_meta':
          this.pendingMeta = !this.awaitingStart && this.stream && message.stream_id === this.stream.stream_id
            ? message
            : { discard: true };
          break;
        case 'audio_stream_end':
          if (!this.awaitingStart && this.stream && message.stream_id === this.stream.stream_id) {
            this.streamEnded = true;
            if (this.segments.length === 0 && this.status.state === 'playing') {
              this.setState('ended');
            }
          }
          break;
        case 'audio_stream_error':
          if (message.stream_id === null || message.stream_id === undefined || this.awaitingStart
            || (this.stream && message.stream_id === this.stream.stream_id)) {
            this.fail(message.code || 'error', message.message || 'the server could not stream this track');
          }
          break;
        case 'state':
          this.serverState = message.state;
          break;
        default:
          console.debug('auralis: ignoring /ws message', message.type);
      }
    }

    onChunkData(data) {
      const meta = this.pendingMeta;
      this.pendingMeta = null;
      if (!meta) {
        this.fail('protocol', 'a binary message arrived without its audio_chunk_meta');
        return;
      }
      if (meta.discard || !this.stream) {
        return; // a chunk of a replaced or stopped stream
      }
      const channels = this.stream.channels;
      const frames = meta.frames;
      if (frames > 0) {
        let decoded;
        try {
          decoded = decodeChunk(data, frames, channels, this.stream.sample_rate);
        } catch (error) {
          this.fail('protocol', `chunk ${meta.seq}: ${error.message}`);
          return;
        }
        this.schedule(decoded.buffer, meta);
        this.status.peak = Math.max(this.status.peak, decoded.peak);
      }
      this.status.chunksReceived++;
      this.status.framesReceived += frames;
      if (this.status.state === 'preparing') {
        this.setState('playing');
      }
      if (this.queuedAhead() <= MAX_QUEUED_AHEAD_S) {
        this.ack(meta.seq);
      } else {
        this.heldAcks.push(meta.seq);
      }
    }

    // -- view -----------------------------------------------------------------------------------

    setState(value) {
      this.status.state = value;
      this.render();
      if (this.onStateChange) {
        this.onStateChange(value, this.trackId); // the album queue follows (next track on "ended")
      }
    }

    stateText() {
      const s = this.status;
      switch (s.state) {
        case 'connecting': return 'connecting...';
        case 'preparing':
          if (this.fading) {
            return `switching to ${$('preset').value}, intensity ${Number($('intensity').value).toFixed(2)}...`;
          }
          return s.mode === 'enhanced' ? 'preparing mastering...' : 'preparing...';
        case 'playing': {
          const track = this.stream ? knownTracks.get(this.stream.track_id) : null;
          const name = track ? `: ${trackName(track)}` : '';
          const level = this.levelDb();
          const matched = !this.comparing || !$('match-loudness').checked ? ''
            : level === null ? ', loudness not matched yet (play it enhanced once)'
              : `, matched loudness ${level >= 0 ? '+' : ''}${level.toFixed(1)} dB`;
          return s.mode === 'enhanced'
            ? `playing enhanced${name} (${this.stream ? this.stream.preset : $('preset').value}, intensity ${Number(this.stream ? this.stream.intensity : $('intensity').value).toFixed(2)}${matched})`
            : `playing original${name}${matched ? ` (${matched.slice(2)})` : ''}`;
        }
        default: return s.state;
      }
    }

    render() {
      const s = this.status;
      const stateNode = $('player-state');
      stateNode.textContent = this.stateText();
      stateNode.dataset.state = s.state;
      const active = ['connecting', 'preparing', 'playing', 'paused'].includes(s.state);
      renderSelectionButtons();
      $('ab').textContent = s.mode === 'normal' ? 'A/B: original' : 'A/B: enhanced';
      $('ab').dataset.mode = s.mode || 'enhanced';
      $('ab').disabled = !this.trackId || this.playable === false || !['playing', 'paused', 'preparing'].includes(s.state);
      $('pause').disabled = !(s.state === 'playing' || s.state === 'paused');
      $('pause').textContent = s.state === 'paused' ? 'Resume' : 'Pause';
      $('stop').disabled = !active;
      $('seek').disabled = !this.stream && !(s.mode && ['ended', 'stopped'].includes(s.state));
      if (this.stream) {
        $('seek').max = String(this.stream.duration_s || 0);
      }

      $('player-ready').textContent = s.readyS !== null && ['playing', 'paused'].includes(s.state)
        ? `ready in ${s.readyS.toFixed(1)} s`
        : '';

      const error = $('player-error');
      if (s.state === 'error' && s.lastError) {
        error.textContent = `Cannot play: ${s.lastError.message} (${s.lastError.code})`;
        error.hidden = false;
      } else {
        error.hidden = true;
      }

      const decision = $('player-decision');
      if (this.stream && s.mode === 'enhanced') {
        const l = s.lwrp;
        const lwrpText = l
          ? `LWRP: ${l.zone}${Number.isFinite(l.expansion) && l.expansion > 0 ? `, expansion ${l.expansion.toFixed(2)}` : ''} (input ${formatNumber(l.lufs, 1)} LUFS, crest ${formatNumber(l.crest_db, 1)} dB)`
          : 'LWRP: no decision reported';
        decision.textContent = `${lwrpText} - fingerprint source: ${s.fingerprintSource ?? 'unknown'}`;
      } else if (this.stream) {
        decision.textContent = 'original audio, no processing';
      } else if (!active) {
        decision.textContent = '';
      }
      this.tick();
    }

    /** Playhead, seek bar and held acks; runs a few times a second. */
    tick() {
      const position = this.position();
      const duration = this.stream ? this.stream.duration_s : 0;
      if (!this.seeking) {
        $('seek').value = String(position);
        $('position').textContent = `${formatTime(position)} / ${formatTime(duration || 0)}`;
      }
      if (this.status.state === 'playing') {
        this.flushAcks();
      }
    }
  }

  const player = new StreamPlayer();
  Object.defineProperty(window, 'auralisPlayer', { value: player.view(), enumerable: true });
  player.onStateChange = (value, trackId) => followQueue(value, trackId);

  function wirePlayer() {
    $('play-enhanced').addEventListener('click', () => playSelected('enhanced'));
    $('play-normal').addEventListener('click', () => playSelected('normal'));
    $('radio').addEventListener('click', () => startRadio(state.selectedId));
    $('pause').addEventListener('click', () => player.togglePause());
    $('stop').addEventListener('click', () => player.stop());
    $('next').addEventListener('click', nextTrack);
    $('previous').addEventListener('click', previousTrack);
    $('ab').addEventListener('click', () => player.toggleCompare());
    $('match-loudness').addEventListener('change', () => player.applyLevel());
    $('np-track').addEventListener('click', () => player.trackId && selectTrack(player.trackId));
    $('volume').addEventListener('input', () => player.setVolume($('volume').value));
    player.setVolume(player.volume);
    document.addEventListener('keydown', onPlayerKey);
    const seek = $('seek');
    seek.addEventListener('input', () => {
      player.seeking = true;
      $('position').textContent = `${formatTime(Number(seek.value))} / ${formatTime(Number(seek.max))}`;
    });
    seek.addEventListener('change', () => {
      player.seeking = false;
      player.seek(Number(seek.value));
    });
    const intensity = $('intensity');
    intensity.addEventListener('input', () => {
      $('intensity-value').textContent = Number(intensity.value).toFixed(2);
    });
    // A new preset or intensity while playing enhanced: restart where we are with the new one.
    const restart = () => {
      if (player.status.mode === 'enhanced' && ['playing', 'paused', 'preparing'].includes(player.status.state)) {
        player.play('enhanced', player.position(), { crossfade: true });
      }
    };
    intensity.addEventListener('change', restart);
    $('preset').addEventListener('change', restart);
    setInterval(() => player.tick(), 200);
  }

  /**
   * Keyboard shortcuts anywhere on the page (docs/web.md): Space pause/resume, Left/Right 10 s
   * back/forward, Shift+Left/Right previous/next track, Up/Down volume. Not while typing in a
   * field or moving a slider, and not for keys a focused control already handled (a table row's
   * Space selects it).
   */
  function onPlayerKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))) {
      return;
    }
    const active = player.isActive() || ['ended', 'stopped'].includes(player.status.state);
    switch (event.key) {
      case ' ':
        if (player.status.state === 'playing' || player.status.state === 'paused') {
          event.preventDefault(); // not a click on the focused button, not a page scroll
          player.togglePause();
        }
        break;
      case 'ArrowLeft':
      case 'ArrowRight':
        if (!active) {
          return;
        }
        event.preventDefault();
        if (event.shiftKey) {
          (event.key === 'ArrowRight' ? nextTrack : previousTrack)();
        } else {
          const duration = player.stream ? player.stream.duration_s || 0 : 0;
          const to = clamp(player.position() + (event.key === 'ArrowRight' ? KEY_SEEK_S : -KEY_SEEK_S), 0, Math.max(0, duration - 0.5));
          player.seek(to);
        }
        break;
      case 'ArrowUp':
      case 'ArrowDown':
        if (!active) {
          return; // the page scrolls as usual while nothing plays
        }
        event.preventDefault();
        player.setVolume(player.volume + (event.key === 'ArrowUp' ? KEY_VOLUME_STEP : -KEY_VOLUME_STEP));
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Start.

  function selectionFromAddress() {
    const match = /^#track=(\d+)$/.exec(location.hash);
    return match ? Number(match[1]) : null;
  }

  function start() {
    wireTable();
    wireViews();
    wirePlayer();
    $('scan-button').addEventListener('click', startScan);
    window.addEventListener('hashchange', () => {
      const id = selectionFromAddress();
      if (id && id !== state.selectedId) {
        selectTrack(id, { updateAddress: false });
      }
    });
    player.render();
    loadHealth();
    loadTracks();
    loadMap();
    pollHealth();
    const initial = selectionFromAddress();
    if (initial) {
      selectTrack(initial, { updateAddress: false });
    }
  }

  start();
})();
