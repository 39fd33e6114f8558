/**
 * The page `webuvc serve` shows: the live picture (MJPEG over HTTP), the stream's counters
 * (polled from `/api/stats`), the camera's formats with a form to switch, and its controls as
 * sliders, check boxes and menus that write through `/api/controls/NAME` and show the value
 * the camera reports back.
 *
 * The script is plain browser JavaScript with no dependencies, served as `/app.js` so the
 * page runs under a strict Content-Security-Policy (no inline script).
 *
 * @packageDocumentation
 */

/** `GET /`. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>webuvc</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
  <h1>webuvc</h1>
  <p id="source">connecting…</p>
</header>
<main>
  <section id="view">
    <img id="live" src="/stream.mjpg" alt="the camera, live">
    <p id="preview-note" hidden>Frames of this format cannot be shown in a browser; the counters still run.</p>
  </section>
  <section id="stream">
    <h2>Stream</h2>
    <dl>
      <dt>format</dt><dd id="stat-format">-</dd>
      <dt>frame rate asked</dt><dd><span id="stat-fps">-</span> fps</dd>
      <dt>frame rate measured</dt><dd><span id="stat-measured">-</span> fps</dd>
      <dt>frames delivered</dt><dd id="frames-delivered">0</dd>
      <dt>dropped (no free buffer)</dt><dd id="frames-dropped">0</dd>
      <dt>with errors</dt><dd id="frames-error">0</dd>
      <dt>incomplete</dt><dd id="frames-incomplete">0</dd>
      <dt>wrong size</dt><dd id="frames-wrong-size">0</dd>
      <dt>sent to viewers</dt><dd id="frames-sent">0</dd>
      <dt>skipped for slow viewers</dt><dd id="frames-skipped">0</dd>
      <dt>viewers</dt><dd id="viewers">0</dd>
    </dl>
    <p id="stream-error" class="problem"></p>
  </section>
  <section id="formats-section">
    <h2>Formats</h2>
    <form id="stream-form">
      <label>format <select id="format-select"></select></label>
      <label>size <select id="size-select"></select></label>
      <label>rate <select id="fps-select"></select></label>
      <button id="apply-stream" type="submit">stream this</button>
      <span id="stream-message" class="problem"></span>
    </form>
    <table id="formats"><thead><tr><th>format</th><th>size</th><th>frame rates</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="controls-section">
    <h2>Controls</h2>
    <div id="controls"></div>
  </section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

/** `GET /app.css`. */
export const PAGE_CSS = `body { font: 15px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d2330; }
header { display: flex; gap: 1.5rem; align-items: baseline; }
main { display: grid; grid-template-columns: minmax(320px, 2fr) minmax(260px, 1fr); gap: 1rem 2rem; }
#view img { max-width: 100%; background: #222; min-height: 120px; }
#controls-section, #formats-section { grid-column: 1 / -1; }
dl { display: grid; grid-template-columns: auto auto; gap: 0.1rem 1rem; margin: 0; }
dt { color: #5a6275; } dd { margin: 0; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin-top: 0.8rem; }
td, th { padding: 0.15rem 0.8rem 0.15rem 0; text-align: left; }
.control { display: grid; grid-template-columns: 14rem 18rem 8rem 1fr; gap: 0.6rem; align-items: center; margin: 0.2rem 0; }
.control input[type=range] { width: 100%; }
.note { color: #5a6275; }
.problem { color: #b3261e; }
form label { margin-right: 0.8rem; }
`;

/** `GET /app.js`. */
export const PAGE_SCRIPT = `'use strict';
(function () {
  var STATS_EVERY_MS = 500;
  var IMAGE_RETRY_MS = 1000;
  var INTERVAL_UNITS_PER_SECOND = 1e7;

  function byId(id) { return document.getElementById(id); }
  function setText(id, value) { var el = byId(id); if (el) el.textContent = String(value); }
  function make(tag, attributes, text) {
    var el = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) { el.setAttribute(key, attributes[key]); });
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  async function api(method, path, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var response = await fetch(path, init);
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      var e = data.error || {};
      var code = e.code ? e.code + ' ' + e.name + ': ' : '';
      throw new Error(code + (e.message || response.status + ' ' + response.statusText));
    }
    return data;
  }

  // ---- the picture ------------------------------------------------------------------------
  var image = byId('live');
  image.addEventListener('error', function () {
    setTimeout(function () { image.src = '/stream.mjpg?retry=' + Date.now(); }, IMAGE_RETRY_MS);
  });

  // ---- counters ---------------------------------------------------------------------------
  async function pollStats() {
    try {
      var s = await api('GET', '/api/stats');
      var f = s.format;
      var c = s.counters || {};
      setText('stat-format', f ? f.pixelFormat + ' ' + f.width + 'x' + f.height : '-');
      setText('stat-fps', f ? f.fps : '-');
      setText('stat-measured', s.measuredFps);
      setText('frames-delivered', c.framesDelivered || 0);
      setText('frames-dropped', c.framesDropped || 0);
      setText('frames-error', c.framesError || 0);
      setText('frames-incomplete', c.framesIncomplete || 0);
      setText('frames-wrong-size', c.framesWrongSize || 0);
      setText('frames-sent', s.preview.framesSent);
      setText('frames-skipped', s.preview.framesSkipped);
      setText('viewers', s.preview.viewers);
      setText('stream-error', s.error ? s.error.code + ' ' + s.error.name + ': ' + s.error.message : '');
      byId('preview-note').hidden = !f || f.previewable;
    } catch (error) {
      setText('stream-error', 'the server does not answer: ' + error.message);
    }
    setTimeout(pollStats, STATS_EVERY_MS);
  }

  // ---- formats ----------------------------------------------------------------------------
  var formats = [];

  function rates(intervals) {
    if (Array.isArray(intervals)) {
      return intervals.map(function (i) { return Math.round(INTERVAL_UNITS_PER_SECOND / i * 100) / 100; });
    }
    return [intervals.min, intervals.max].map(function (i) { return Math.round(INTERVAL_UNITS_PER_SECOND / i * 100) / 100; });
  }

  function fillSelect(select, options, chosen) {
    select.textContent = '';
    options.forEach(function (option) {
      var el = make('option', { value: option.value }, option.label);
      if (option.value === chosen) el.selected = true;
      select.appendChild(el);
    });
  }

  function selectedFormat() {
    var wanted = byId('format-select').value;
    return formats.find(function (f) { return f.pixelFormat === wanted; }) || formats[0];
  }

  function selectedFrame() {
    var format = selectedFormat();
    var size = byId('size-select').value;
    return format.frames.find(function (fr) { return fr.width + 'x' + fr.height === size; }) || format.frames[0];
  }

  function fillSizes(current) {
    var format = selectedFormat();
    fillSelect(byId('size-select'), format.frames.map(function (fr) {
      var size = fr.width + 'x' + fr.height;
      return { value: size, label: size };
    }), current);
    fillRates();
  }

  function fillRates(current) {
    var frame = selectedFrame();
    fillSelect(byId('fps-select'), rates(frame.intervals).map(function (fps) {
      return { value: String(fps), label: fps + ' fps' };
    }), current);
  }

  function showFormats(camera) {
    formats = [];
    camera.info.functions.forEach(function (fn) {
      fn.streaming.forEach(function (vs) { formats = formats.concat(vs.formats); });
    });
    var body = byId('formats').tBodies[0];
    body.textContent = '';
    formats.forEach(function (format) {
      format.frames.forEach(function (frame) {
        var row = make('tr');
        row.appendChild(make('td', {}, format.pixelFormat));
        row.appendChild(make('td', {}, frame.width + 'x' + frame.height));
        var list = rates(frame.intervals).join(', ') + (Array.isArray(frame.intervals) ? '' : ' (continuous)');
        row.appendChild(make('td', {}, list));
        body.appendChild(row);
      });
    });
    var now = camera.format;
    fillSelect(byId('format-select'), formats.map(function (f) {
      return { value: f.pixelFormat, label: f.pixelFormat };
    }), now ? now.pixelFormat : undefined);
    fillSizes(now ? now.width + 'x' + now.height : undefined);
    if (now) fillRates(String(Math.round(now.fps * 100) / 100));
  }

  byId('format-select').addEventListener('change', function () { fillSizes(); });
  byId('size-select').addEventListener('change', function () { fillRates(); });
  byId('stream-form').addEventListener('submit', async function (event) {
    event.preventDefault();
    var frame = selectedFrame();
    setText('stream-message', '');
    try {
      await api('PUT', '/api/stream', {
        pixelFormat: selectedFormat().pixelFormat,
        width: frame.width,
        height: frame.height,
        fps: Number(byId('fps-select').value),
      });
    } catch (error) {
      setText('stream-message', error.message);
    }
  });

  // ---- controls ---------------------------------------------------------------------------
  var rows = {};
  var pending = {};

  function isNumber(value) { return typeof value === 'number'; }

  /** Show what the camera reports; a control with changes still on their way keeps what the user set. */
  function showValue(control, settled) {
    var row = rows[control.name];
    var queue = pending[control.name];
    if (!row || (!settled && queue && (queue.busy || queue.next !== undefined))) return;
    var current = control.current;
    row.inputs.forEach(function (input) {
      var field = input.getAttribute('data-field');
      var value = field ? (current || {})[field] : current;
      if (value === undefined || value === null) return;
      if (input.type === 'checkbox') input.checked = value !== 0;
      else input.value = String(value);
      input.disabled = control.readOnly || control.inactive;
    });
    row.output.textContent = current === null ? '-' : isNumber(current) ? String(current)
      : Object.keys(current).map(function (k) { return k + ' ' + current[k]; }).join(', ');
    row.note.textContent = control.inactive ? 'automatic mode is on' : control.readOnly ? 'read-only' : '';
  }

  function setProblem(name, message) {
    var row = rows[name];
    if (row) row.problem.textContent = message;
  }

  function sendControl(name, value) {
    var queue = pending[name] || (pending[name] = { busy: false, next: undefined });
    queue.next = value;
    if (queue.busy) return;
    queue.busy = true;
    (async function () {
      while (queue.next !== undefined) {
        var v = queue.next;
        queue.next = undefined;
        try {
          var answer = await api('PUT', '/api/controls/' + encodeURIComponent(name), { value: v });
          // A newer value is waiting: showing this answer would move the slider back.
          if (queue.next === undefined) showValue(answer.control, true);
          setProblem(name, '');
        } catch (error) {
          setProblem(name, error.message);
        }
      }
      queue.busy = false;
      refreshControls();
    })();
  }

  function valueOf(row) {
    if (row.inputs.length === 1 && !row.inputs[0].getAttribute('data-field')) {
      var input = row.inputs[0];
      if (input.type === 'checkbox') return input.checked ? 1 : 0;
      return Number(input.value);
    }
    var value = {};
    row.inputs.forEach(function (i) { value[i.getAttribute('data-field')] = Number(i.value); });
    return value;
  }

  function slider(control, field) {
    var pick = function (v) { return field ? (v || {})[field] : v; };
    var input = make('input', {
      type: 'range',
      'data-control': control.name,
      min: String(pick(control.min)),
      max: String(pick(control.max)),
      step: String(Math.max(1, pick(control.step) || 1)),
      'aria-label': control.publicName + (field ? ' ' + field : ''),
    });
    if (field) input.setAttribute('data-field', field);
    return input;
  }

  function inputsFor(control) {
    if (control.menu && (control.kind === 'menu' || control.kind === 'bitmap')) {
      var select = make('select', { 'data-control': control.name, 'aria-label': control.publicName });
      control.menu.forEach(function (entry) {
        select.appendChild(make('option', { value: String(entry.value) }, entry.name));
      });
      return [select];
    }
    if (control.kind === 'boolean') {
      return [make('input', { type: 'checkbox', 'data-control': control.name, 'aria-label': control.publicName })];
    }
    // TODO: relative controls (zoomRelative, panTiltRelative) need press-and-hold buttons.
    if (control.kind === 'relative') return [];
    if (isNumber(control.min) && isNumber(control.max)) return [slider(control)];
    if (control.min && control.max && typeof control.min === 'object') {
      return Object.keys(control.min).map(function (field) { return slider(control, field); });
    }
    return [];
  }

  function renderControls(list) {
    var box = byId('controls');
    box.textContent = '';
    rows = {};
    list.forEach(function (control) {
      var row = make('div', { class: 'control', 'data-row': control.name });
      var label = control.publicName === control.name ? control.name : control.publicName + ' (' + control.name + ')';
      row.appendChild(make('span', {}, label + (control.unit ? ' [' + control.unit + ']' : '')));
      var holder = make('span');
      var inputs = control.supported ? inputsFor(control) : [];
      inputs.forEach(function (input) { holder.appendChild(input); });
      row.appendChild(holder);
      var output = make('output', { 'data-value-of': control.name }, '-');
      row.appendChild(output);
      var note = make('span', { class: 'note' }, control.supported ? '' : 'not supported');
      var problem = make('span', { class: 'problem', 'data-problem-of': control.name }, control.problem || '');
      var notes = make('span');
      notes.appendChild(note);
      notes.appendChild(problem);
      row.appendChild(notes);
      box.appendChild(row);
      rows[control.name] = { inputs: inputs, output: output, note: note, problem: problem };
      inputs.forEach(function (input) {
        input.addEventListener('input', function () {
          if (input.type === 'range') output.textContent = input.value;
        });
        input.addEventListener('change', function () { sendControl(control.name, valueOf(rows[control.name])); });
      });
      if (control.kind === 'relative') note.textContent = 'relative control (not shown)';
      showValue(control, true);
    });
  }

  async function refreshControls() {
    try {
      var list = await api('GET', '/api/controls');
      list.forEach(function (control) { showValue(control, false); });
    } catch (error) {
      setText('stream-error', error.message);
    }
  }

  // ---- start ------------------------------------------------------------------------------
  (async function start() {
    try {
      var camera = await api('GET', '/api/camera');
      setText('source', camera.source + (camera.emulated ? ' (emulated)' : ''));
      document.title = 'webuvc: ' + camera.source;
      showFormats(camera);
      renderControls(await api('GET', '/api/controls'));
    } catch (error) {
      setText('stream-error', error.message);
    }
  })();
  pollStats();
})();
`;
