// The dashboard's script: plain JavaScript for the browser, no framework and no build step. It
// renders what /api/events pushes (the status every second, the lines as they are printed) into
// DOM nodes it keeps (rows are updated in place, so a button stays the same button), draws the
// charts as inline SVG, and does each action as a POST of the page's own origin.
// (A string, so that tsc and the bundle carry it as they carry any module: no file to find.)
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var HISTORY = 180; // samples kept per chart: three minutes at one a second
  var MAX_LINES = 1000; // lines kept in the live log (older ones leave the DOM)
  var SVG = 'http://www.w3.org/2000/svg';
  var rows = new Map(); // row key -> {tr, cells, buttons}
  var history = new Map(); // instance name -> [{t, cpu, rss}]
  var types = []; // every type seen, in order
  var routerSamples = [];
  var lastRouter = null;
  var recent = []; // the last MAX_LINES lines, whatever the filter
  var held = []; // lines that came while paused
  var paused = false;

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(label, text, onClick) {
    var b = el('button', '', text);
    b.type = 'button';
    b.setAttribute('aria-label', label);
    b.addEventListener('click', onClick);
    return b;
  }

  // ---- formatting
  function duration(ms) {
    if (ms === null || ms === undefined) return '-';
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 24) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function bytes(n) {
    if (n === null || n === undefined) return '-';
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KiB';
    if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + ' MiB';
    return (n / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
  }
  function clock(at) {
    var d = new Date(at);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }
  function hue(name) {
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return 'who h' + (h % 6);
  }

  // ---- actions
  function say(text, isError) {
    var p = $('result');
    p.textContent = text;
    p.className = isError ? 'result error' : 'result';
  }
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' })
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) throw new Error(j.error || r.statusText);
          return j;
        });
      });
  }
  function act(what, path, body, describe) {
    say(what + '\u2026');
    post(path, body).then(function (result) {
      say(describe(result));
      refresh();
      if (path === '/api/rollback') loadReleases();
    }, function (err) { say(what + ' failed: ' + err.message, true); });
  }
  function pids(i) {
    if (i.pidBefore !== null && i.pid !== null) return ' (pid ' + i.pidBefore + ' \u2192 ' + i.pid + ')';
    if (i.pid !== null) return ' (pid ' + i.pid + ')';
    if (i.pidBefore !== null) return ' (was pid ' + i.pidBefore + ')';
    return '';
  }
  function describeAction(verb) {
    return function (r) {
      var text = r.instances.map(function (i) { return i.name + ' ' + verb + pids(i) + (i.state === (verb === 'stopped' ? 'stopped' : 'running') ? '' : ', now ' + i.state); }).join('; ');
      if (r.failure) text += '; ' + r.failure.instance + ' failed: ' + r.failure.reason;
      return text || 'nothing to do';
    };
  }
  function describeScale(r) {
    var parts = r.removed.map(function (n) { return n + ' stopped and removed'; })
      .concat(r.added.map(function (a) { return a.name + ' started' + (a.port === null ? '' : ' on port ' + a.port); }));
    return parts.length ? parts.join('; ') : 'formation unchanged';
  }
  function restart(pattern) { act('Restarting ' + pattern, '/api/restart', { patterns: [pattern] }, describeAction('restarted')); }
  function stop(pattern) { act('Stopping ' + pattern, '/api/stop', { patterns: [pattern] }, describeAction('stopped')); }
  function scale(type, n) { act('Scaling ' + type + ' to ' + n, '/api/scale', { formation: type + '=' + n }, describeScale); }
  function rollback(version) { act('Rolling back to v' + version, '/api/rollback', { version: version }, function (r) { return r.lines.join(' '); }); }

  // ---- charts
  function polyline(svg, className, values, max, w, h) {
    var line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', className);
    // A new chart spans a minute, then widens as samples come, to HISTORY.
    var span = Math.min(HISTORY, Math.max(60, values.length));
    var step = w / (span - 1);
    var start = span - values.length;
    line.setAttribute('points', values.map(function (v, i) {
      var y = h - 1 - (max > 0 ? (v || 0) / max : 0) * (h - 2);
      return ((start + i) * step).toFixed(1) + ',' + y.toFixed(1);
    }).join(' '));
    svg.appendChild(line);
  }
  function draw(svg, w, h, series, floor) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var max = floor || 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    // Headroom above the highest value, so a flat line stays off the edge.
    series.forEach(function (s) { polyline(svg, s.className, s.values, s.max || max * 1.2, w, h); });
  }
  function spark(name) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 120 28');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'CPU and memory of ' + name);
    return svg;
  }
  function sample(name, i) {
    var list = history.get(name) || [];
    var now = Date.now();
    var last = list[list.length - 1];
    if (last && now - last.t < 900) return list; // one sample a second, however often status comes
    list.push({ t: now, cpu: i.cpuPercent || 0, rss: i.rssBytes || 0 });
    if (list.length > HISTORY) list.shift();
    history.set(name, list);
    return list;
  }

  // ---- the formation
  var COLUMNS = ['name', 'state', 'pid', 'port', 'ready', 'uptime', 'restarts', 'cpu', 'memory', 'release', 'chart', 'actions'];
  function makeRow(i) {
    var tr = el('tr');
    tr.dataset.name = i.name;
    var cells = {};
    COLUMNS.forEach(function (c) {
      var td = el(c === 'name' ? 'th' : 'td', ['pid', 'port', 'restarts', 'cpu', 'memory', 'uptime'].indexOf(c) >= 0 ? 'num' : '');
      if (c === 'name') td.scope = 'row';
      td.dataset.col = c;
      cells[c] = td;
      tr.appendChild(td);
    });
    var row = { tr: tr, cells: cells, svg: spark(i.name), restart: null, stop: null };
    cells.chart.appendChild(row.svg);
    if (i.role === 'member') {
      row.restart = button('Restart ' + i.name, 'Restart', function () { restart(i.name); });
      row.stop = button('Stop ' + i.name, 'Stop', function () { stop(i.name); });
      cells.actions.appendChild(row.restart);
      cells.actions.appendChild(row.stop);
    }
    return row;
  }
  function renderFormation(status) {
    var tbody = document.querySelector('#formation tbody');
    var seen = new Set();
    status.instances.forEach(function (i) {
      var key = i.name + '/' + i.role;
      seen.add(key);
      var row = rows.get(key);
      if (!row) {
        row = makeRow(i);
        rows.set(key, row);
      }
      tbody.appendChild(row.tr); // in the status' order
      row.tr.className = i.role;
      var c = row.cells;
      c.name.textContent = i.name + (i.role === 'member' ? '' : ' (' + (i.role === 'incoming' ? 'new' : 'old') + ')');
      c.state.textContent = i.state;
      c.state.className = 'state-' + i.state;
      c.pid.textContent = i.pid === null ? '-' : String(i.pid);
      c.port.textContent = i.port === null ? '-' : String(i.port);
      c.ready.textContent = i.port === null ? '-' : i.ready ? 'yes' : 'no';
      c.uptime.textContent = duration(i.uptimeMs);
      c.restarts.textContent = String(i.restarts);
      c.cpu.textContent = i.cpuPercent === null ? '-' : i.cpuPercent.toFixed(1);
      c.memory.textContent = bytes(i.rssBytes);
      c.release.textContent = i.release || '-';
      if (i.role === 'member') {
        var list = sample(i.name, i);
        draw(row.svg, 120, 28, [
          { className: 'cpu', values: list.map(function (s) { return s.cpu; }), max: Math.max(100, Math.max.apply(null, list.map(function (s) { return s.cpu; }))) },
          { className: 'mem', values: list.map(function (s) { return s.rss; }) },
        ]);
        var idle = i.state === 'stopped' || i.state === 'exited';
        row.restart.textContent = idle ? 'Start' : 'Restart';
        row.restart.setAttribute('aria-label', (idle ? 'Start ' : 'Restart ') + i.name);
        row.stop.disabled = idle;
        row.tr.title = 'CPU ' + c.cpu.textContent + '%, memory ' + c.memory.textContent + (i.lastExit ? ', last exit: ' + i.lastExit : '');
      }
    });
    rows.forEach(function (row, key) {
      if (!seen.has(key)) {
        row.tr.remove();
        rows.delete(key);
      }
    });
    renderTypes(status);
    renderFilterOptions(status);
  }
  function renderTypes(status) {
    var counts = new Map();
    status.instances.forEach(function (i) {
      if (types.indexOf(i.type) < 0) types.push(i.type);
      if (i.role === 'member') counts.set(i.type, (counts.get(i.type) || 0) + 1);
    });
    var box = $('types');
    types.forEach(function (type) {
      var n = counts.get(type) || 0;
      var div = box.querySelector('[data-type="' + CSS.escape(type) + '"]');
      if (!div) {
        div = el('div', 'type');
        div.dataset.type = type;
        div.appendChild(el('b'));
        div.appendChild(button('Restart ' + type, 'Restart ' + type, function () { restart(type); }));
        div.appendChild(button('Scale ' + type + ' down', '\u2212', function () { scale(type, Number(div.dataset.count) - 1); }));
        div.appendChild(button('Scale ' + type + ' up', '+', function () { scale(type, Number(div.dataset.count) + 1); }));
        box.appendChild(div);
      }
      div.dataset.count = String(n);
      div.querySelector('b').textContent = type + ' \u00d7 ' + n;
      var bs = div.querySelectorAll('button');
      bs[0].disabled = n === 0;
      bs[1].disabled = n === 0;
    });
  }

  // ---- the router
  function renderRouter(router) {
    var section = $('router-section');
    if (!router) { section.hidden = true; return; }
    section.hidden = false;
    $('router-address').textContent = router.address;
    var now = Date.now();
    if (lastRouter && now - lastRouter.t < 900) return;
    var s = { t: now, rps: 0, classes: {}, p50: router.latency ? router.latency.p50 : 0, p99: router.latency ? router.latency.p99 : 0 };
    if (lastRouter) {
      var dt = (now - lastRouter.t) / 1000;
      s.rps = Math.max(0, router.requests - lastRouter.requests) / dt;
      Object.keys(router.statusClasses).forEach(function (k) {
        s.classes[k] = Math.max(0, router.statusClasses[k] - (lastRouter.statusClasses[k] || 0)) / dt;
      });
    }
    lastRouter = { t: now, requests: router.requests, statusClasses: router.statusClasses };
    routerSamples.push(s);
    if (routerSamples.length > HISTORY) routerSamples.shift();
    $('router-rps').textContent = s.rps.toFixed(1) + ' (' + router.requests + ' in all)';
    draw($('chart-rps'), 300, 80, [{ className: 'cpu', values: routerSamples.map(function (x) { return x.rps; }) }], 1);
    var classes = Object.keys(router.statusClasses).sort();
    $('router-classes').textContent = classes.map(function (k) { return k + ': ' + router.statusClasses[k]; }).join(', ');
    draw($('chart-classes'), 300, 80, classes.map(function (k) {
      return { className: 'c' + k, values: routerSamples.map(function (x) { return x.classes[k] || 0; }) };
    }), 1);
    $('router-latency').textContent = router.latency ? router.latency.p50.toFixed(0) + ' / ' + router.latency.p99.toFixed(0) : '-';
    draw($('chart-latency'), 300, 80, [
      { className: 'p50', values: routerSamples.map(function (x) { return x.p50; }) },
      { className: 'p99', values: routerSamples.map(function (x) { return x.p99; }) },
    ], 1);
  }

  // ---- releases
  function loadReleases() {
    fetch('/api/releases', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
      var section = $('releases-section');
      if (!j.releases || j.releases.length === 0) { section.hidden = true; return; }
      section.hidden = false;
      var tbody = document.querySelector('#releases tbody');
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      j.releases.forEach(function (r) {
        var tr = el('tr');
        tr.dataset.version = String(r.version);
        tr.appendChild(el('th', '', 'v' + r.version + (r.current ? ' (current)' : '')));
        tr.appendChild(el('td', '', r.description));
        tr.appendChild(el('td', '', r.commit.slice(0, 7)));
        tr.appendChild(el('td', '', r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')));
        tr.appendChild(el('td', '', r.status));
        var td = el('td');
        var b = button('Roll back to v' + r.version, 'Roll back to v' + r.version, function () { rollback(r.version); });
        b.disabled = r.current || r.status !== 'succeeded';
        td.appendChild(b);
        tr.appendChild(td);
        tbody.appendChild(tr);
      });
    });
  }

  // ---- logs
  function lineMatches(line, filter) {
    return filter === '' || line.instance === filter || line.instance.split('.')[0] === filter;
  }
  function lineNode(line, terms) {
    var div = el('div', 'line ' + line.stream);
    div.dataset.instance = line.instance;
    div.appendChild(el('span', 'ts', clock(line.at) + ' '));
    div.appendChild(el('span', hue(line.instance), line.instance));
    div.appendChild(document.createTextNode(' | '));
    var text = el('span', 'text');
    highlight(text, line.text, terms || []);
    div.appendChild(text);
    return div;
  }
  function highlight(node, text, terms) {
    if (terms.length === 0) { node.textContent = text; return; }
    var lower = text.toLowerCase();
    var at = 0;
    while (at < text.length) {
      var best = -1, len = 0;
      terms.forEach(function (t) {
        var i = lower.indexOf(t, at);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = t.length; }
      });
      if (best < 0) break;
      if (best > at) node.appendChild(document.createTextNode(text.slice(at, best)));
      node.appendChild(el('mark', '', text.slice(best, best + len)));
      at = best + len;
    }
    if (at < text.length) node.appendChild(document.createTextNode(text.slice(at)));
  }
  function appendLines(lines) {
    var log = $('log');
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    var filter = $('log-filter').value;
    var fragment = document.createDocumentFragment();
    lines.forEach(function (line) { if (lineMatches(line, filter)) fragment.appendChild(lineNode(line)); });
    log.appendChild(fragment);
    while (log.childNodes.length > MAX_LINES) log.removeChild(log.firstChild);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
  function onLines(lines) {
    recent = recent.concat(lines);
    if (recent.length > MAX_LINES) recent = recent.slice(recent.length - MAX_LINES);
    if (paused) {
      held = held.concat(lines);
      if (held.length > MAX_LINES) held = held.slice(held.length - MAX_LINES);
      $('held').textContent = held.length + ' new lines held';
      return;
    }
    appendLines(lines);
  }
  function rerenderLog() {
    var log = $('log');
    while (log.firstChild) log.removeChild(log.firstChild);
    appendLines(recent);
  }
  function renderFilterOptions(status) {
    var select = $('log-filter');
    var names = [''].concat(types, status.instances.map(function (i) { return i.name; }), status.router ? ['router'] : [], ['dozen']);
    var unique = names.filter(function (n, i) { return names.indexOf(n) === i; });
    var shown = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (shown.join('\n') === unique.join('\n')) return;
    var value = select.value;
    while (select.firstChild) select.removeChild(select.firstChild);
    unique.forEach(function (n) {
      var o = el('option', '', n === '' ? 'all' : n);
      o.value = n;
      select.appendChild(o);
    });
    select.value = unique.indexOf(value) >= 0 ? value : '';
  }
  function searchTerms(q) {
    return q.split(/\s+/).map(function (t) { return t.replace(/["*()^]/g, '').toLowerCase(); })
      .filter(function (t) { return t !== '' && ['and', 'or', 'not', 'near'].indexOf(t) < 0; });
  }
  function search(q) {
    var params = new URLSearchParams({ search: q });
    var filter = $('log-filter').value;
    if (filter) params.set('ps', filter);
    var summary = $('search-summary');
    var results = $('search-results');
    summary.hidden = false;
    summary.textContent = 'searching\u2026';
    fetch('/api/logs?' + params.toString(), { credentials: 'same-origin' })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error); return j; }); })
      .then(function (j) {
        var terms = searchTerms(q);
        while (results.firstChild) results.removeChild(results.firstChild);
        j.lines.forEach(function (line) { results.appendChild(lineNode(line, terms)); });
        results.hidden = j.lines.length === 0;
        summary.textContent = j.lines.length + (j.lines.length === 1 ? ' stored line matches ' : ' stored lines match ') + JSON.stringify(q);
      }, function (err) {
        results.hidden = true;
        summary.textContent = 'search failed: ' + err.message;
      });
  }

  // ---- wiring
  var releaseOf = '';
  function render(status) {
    $('server').textContent = 'pid ' + status.server.pid + ' \u00b7 ' + status.server.phase + ' \u00b7 dozen ' + status.server.version;
    renderFormation(status);
    renderRouter(status.router);
    var running = status.instances.map(function (i) { return i.release || ''; }).join(',');
    if (running !== releaseOf) { releaseOf = running; loadReleases(); }
  }
  function refresh() {
    fetch('/api/status', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(render, function () {});
  }
  function connect() {
    var source = new EventSource('/api/events');
    var conn = $('connection');
    source.onopen = function () { conn.textContent = 'live'; conn.className = 'connection live'; };
    source.onerror = function () { conn.textContent = 'reconnecting\u2026'; conn.className = 'connection'; };
    source.addEventListener('status', function (e) { render(JSON.parse(e.data).status); });
    source.addEventListener('lines', function (e) { onLines(JSON.parse(e.data).lines); });
    source.addEventListener('dropped', function (e) { onLines([{ at: Date.now(), instance: 'dozen', stream: 'warn', text: JSON.parse(e.data).count + ' output events were dropped (the page read too slowly)' }]); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    $('pause').addEventListener('click', function () {
      paused = !paused;
      this.textContent = paused ? 'Resume' : 'Pause';
      this.setAttribute('aria-pressed', String(paused));
      if (!paused) {
        appendLines(held);
        held = [];
        $('held').textContent = '';
      }
    });
    $('log-filter').addEventListener('change', rerenderLog);
    $('search-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var q = $('search').value.trim();
      if (q) search(q);
    });
    $('clear-search').addEventListener('click', function () {
      $('search').value = '';
      $('search-results').hidden = true;
      $('search-summary').hidden = true;
    });
    refresh();
    connect();
  });
})();
`;
