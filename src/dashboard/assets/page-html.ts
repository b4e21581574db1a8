// The dashboard's page. The script and the styles are separate files of the same origin, so the
// Content-Security-Policy can forbid every inline script and style.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dozen dashboard</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>dozen</h1>
  <span id="server"></span>
  <span id="connection" class="connection">connecting&hellip;</span>
</header>
<main>
  <section aria-labelledby="formation-title">
    <h2 id="formation-title">Formation</h2>
    <div id="types" class="types"></div>
    <p id="result" class="result" role="status" aria-live="polite"></p>
    <div class="scroll">
      <table id="formation">
        <thead><tr>
          <th scope="col">Name</th><th scope="col">State</th><th scope="col">PID</th><th scope="col">Port</th>
          <th scope="col">Ready</th><th scope="col">Uptime</th><th scope="col">Restarts</th><th scope="col">CPU%</th>
          <th scope="col">Memory</th><th scope="col">Release</th><th scope="col">CPU and memory</th><th scope="col">Actions</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section id="router-section" aria-labelledby="router-title" hidden>
    <h2 id="router-title">Router <span id="router-address" class="muted"></span></h2>
    <div class="charts">
      <figure><figcaption>Requests per second <b id="router-rps"></b></figcaption><svg id="chart-rps" viewBox="0 0 300 80" role="img" aria-label="Requests per second"></svg></figure>
      <figure><figcaption>Status classes per second <span id="router-classes"></span></figcaption><svg id="chart-classes" viewBox="0 0 300 80" role="img" aria-label="Answers per status class"></svg></figure>
      <figure><figcaption>Latency p50 / p99 (ms) <b id="router-latency"></b></figcaption><svg id="chart-latency" viewBox="0 0 300 80" role="img" aria-label="Latency percentiles"></svg></figure>
    </div>
  </section>
  <section id="releases-section" aria-labelledby="releases-title" hidden>
    <h2 id="releases-title">Releases</h2>
    <div class="scroll">
      <table id="releases">
        <thead><tr><th scope="col">Version</th><th scope="col">Description</th><th scope="col">Commit</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section aria-labelledby="logs-title">
    <h2 id="logs-title">Logs</h2>
    <div class="log-controls">
      <label>Process <select id="log-filter"><option value="">all</option></select></label>
      <button id="pause" type="button" aria-pressed="false">Pause</button>
      <span id="held" class="muted"></span>
      <form id="search-form" role="search">
        <input id="search" type="search" placeholder="search the stored lines" aria-label="Search the stored logs">
        <button type="submit">Search</button>
        <button id="clear-search" type="button">Clear search</button>
      </form>
    </div>
    <p id="search-summary" class="muted" hidden></p>
    <div id="search-results" class="log" aria-label="Search results" hidden></div>
    <div id="log" class="log" role="log" aria-label="Live log"></div>
  </section>
</main>
</body>
</html>
`;
