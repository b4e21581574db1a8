// The dashboard's styles: one column, system fonts, light and dark.
export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f23; --bg: #fff; --muted: #667; --line: #d8dce0; --accent: #0a62c9; --cpu: #d9480f; --mem: #2b8a3e; --bad: #c92a2a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ea; --bg: #15181b; --muted: #99a; --line: #30353a; --accent: #5aa2ff; --cpu: #ff8a4c; --mem: #5fd37a; --bad: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1.2em; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.3em; margin: 0; }
h2 { font-size: 1.05em; margin: 1.2em 0 .5em; }
main { padding: 0 1.2em 2em; }
.muted, #server { color: var(--muted); }
.connection { margin-left: auto; color: var(--muted); }
.connection.live { color: var(--mem); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.outgoing, tr.incoming { color: var(--muted); }
.state-running { color: var(--mem); }
.state-exited, .state-backoff, .state-crashed { color: var(--bad); }
button { font: inherit; padding: .15em .6em; border: 1px solid var(--line); border-radius: 4px; background: transparent; color: var(--fg); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .4; cursor: default; }
td button + button { margin-left: .3em; }
.types { display: flex; flex-wrap: wrap; gap: .6em 1.4em; }
.type { display: flex; gap: .4em; align-items: center; }
.type b { min-width: 4em; }
.result { min-height: 1.4em; margin: .5em 0; }
.result.error { color: var(--bad); }
svg.spark { width: 120px; height: 28px; display: block; }
svg polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.cpu { stroke: var(--cpu); } .mem { stroke: var(--mem); }
.c2xx { stroke: var(--mem); } .c3xx { stroke: var(--accent); } .c4xx { stroke: #e8a400; } .c5xx { stroke: var(--bad); } .c499 { stroke: var(--muted); }
.p50 { stroke: var(--accent); } .p99 { stroke: var(--cpu); }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 4px; padding: .5em; }
figure svg { width: 300px; height: 80px; display: block; }
.log-controls { display: flex; flex-wrap: wrap; gap: .6em; align-items: center; margin-bottom: .5em; }
#search-form { display: flex; gap: .4em; margin-left: auto; }
input, select { font: inherit; padding: .15em .4em; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
.log { font: 12px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; border: 1px solid var(--line); border-radius: 4px; padding: .4em .6em; height: 22em; overflow-y: auto; white-space: pre-wrap; word-break: break-all; }
#search-results { height: auto; max-height: 16em; margin-bottom: .6em; }
.line .ts { color: var(--muted); }
.line .who { font-weight: 600; }
.line.stderr .text { color: var(--bad); }
.h0 { color: #0a7fa8; } .h1 { color: #8a3ffc; } .h2 { color: #b5570b; } .h3 { color: #2b8a3e; } .h4 { color: #c2255c; } .h5 { color: #5c7cfa; }
mark { background: #ffe066; color: #000; border-radius: 2px; }
`;
