// nginx: DIR/APP.conf, a site that does in production what dozen's router does in front of the
// web instances: balance over them with kept-alive connections, pass WebSocket upgrades, set
// Heroku's forwarded headers (X-Request-ID, X-Forwarded-*, X-Request-Start), give up on a
// response after 30 s, retry only a connection that failed, and log one Heroku-style line per
// request. It is included inside nginx's `http {}`, so every name it defines at that level (maps,
// variables, the log format, the upstream) carries the app's name: two apps never clash, nor
// does the `$connection_upgrade` map many sites already define.
import type { ProcessSpec } from '../formation/types.js';
import { DozenError } from '../errors.js';
import { header } from './header.js';
import { typeName } from './instance-env.js';
import { formatListenAddress } from './listen-address.js';
import type { ExportContext, ExportFile } from './types.js';

const FORMAT = 'nginx';
const WEB = 'web';
/** How long dozen's router (and Heroku's) waits for the first byte of a response. */
const READ_TIMEOUT_SEC = 30;
/** Idle connections kept per nginx worker. */
const KEEPALIVE_CONNECTIONS = 32;
/**
 * An idle upstream connection is closed by nginx after this, before the app servers' own idle
 * timeouts (Node 5 s, gunicorn 2 s): nginx then never sends a request on a connection the app is
 * closing, which it could not retry for a POST.
 */
const KEEPALIVE_TIMEOUT_SEC = 1;
/** The address the web instances are reached on, as `dozen start` reaches them. */
const UPSTREAM_HOST = '127.0.0.1';

export function renderNginx(instances: readonly ProcessSpec[], ctx: ExportContext): ExportFile[] {
  const web = webInstances(instances, ctx);
  const app = ctx.app;
  // nginx variable names take letters, digits and `_`; app names have dashes.
  const v = `dozen_${app.replace(/-/g, '_')}`;
  const upstream = `${app}-${typeName(ctx.typeNames, WEB)}`;
  const content = `${header(FORMAT)}# Include it inside nginx's http {} block:
#   include ${includePath(ctx.outDir, app)};
# or link it into /etc/nginx/sites-enabled/ (Debian's nginx.conf includes that folder there), then
# run \`nginx -t\` and \`nginx -s reload\`.

${maps(v, web)}
# One line per request, like dozen's router (Heroku's): times in ms, dyno is the instance name.
log_format ${v} 'at=info method=$request_method path="$request_uri" host=$host request_id=$${v}_request_id fwd="$proxy_add_x_forwarded_for" dyno=$${v}_dyno connect=$${v}_connect service=$${v}_service status=$status bytes=$body_bytes_sent protocol=$scheme';

upstream ${upstream} {
${web.map((spec) => `    server ${UPSTREAM_HOST}:${spec.port};\n`).join('')}    keepalive ${KEEPALIVE_CONNECTIONS};
    keepalive_timeout ${KEEPALIVE_TIMEOUT_SEC}s;
}

server {
    listen ${formatListenAddress(ctx.listen)};
    access_log /var/log/nginx/${app}.access.log ${v};

    location / {
        proxy_pass http://${upstream};
        proxy_http_version 1.1;
        proxy_set_header Host $${v}_host;
        # Empty (so the upstream connection is kept alive) unless the client asks to upgrade.
        proxy_set_header Connection $${v}_connection;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header X-Request-ID $${v}_request_id;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Port $server_port;
        proxy_set_header X-Request-Start $${v}_request_start;
        proxy_read_timeout ${READ_TIMEOUT_SEC}s;
        # Another instance only when one failed (refused, reset): never after a timeout, never a
        # POST, PATCH or LOCK that reached an instance (nginx's rule without non_idempotent).
        proxy_next_upstream error;
        proxy_next_upstream_tries ${web.length};
    }
}
`;
  return [{ path: `${app}.conf`, content }];
}

/** The file's path as nginx's `include` takes it: quoted unless plain. */
function includePath(dir: string, app: string): string {
  const path = `${dir}/${app}.conf`;
  // A control character would end the comment the path stands in.
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new DozenError('export', `nginx cannot include a file from ${JSON.stringify(dir)}: the path holds a control character.`, { hint: 'Export to another folder.' });
  }
  return /^[A-Za-z0-9_./@+-]+$/.test(path) ? path : `"${path.replace(/["\\]/g, '\\$&')}"`;
}

/** The web instances; an app or formation without any has nothing for nginx to route to. */
function webInstances(instances: readonly ProcessSpec[], ctx: ExportContext): ProcessSpec[] {
  if (!ctx.typeNames.has(WEB)) {
    throw new DozenError('export', 'nginx export needs a web process type: nginx routes requests to the web instances, and the Procfile has no "web:" entry.');
  }
  const web = instances.filter((spec) => spec.type === WEB && spec.port !== undefined);
  if (web.length === 0) {
    throw new DozenError('export', 'nginx export needs at least one web instance: the formation runs none.', { hint: 'Check -m/--formation (web=1 or more).' });
  }
  return web;
}

/**
 * The per-request values nginx has no variable for. Where nginx lists several upstreams (a
 * retry: `127.0.0.1:5000, 127.0.0.1:5001`), the last is the one that answered.
 */
function maps(v: string, web: readonly ProcessSpec[]): string {
  const dynos = web.map((spec) => `    "~(?:^| )${UPSTREAM_HOST.replace(/\./g, '\\.')}:${spec.port}$" ${spec.name};\n`).join('');
  return `# A valid incoming X-Request-ID is kept (Heroku's rule); any other gets nginx's own id.
map $http_x_request_id $${v}_request_id {
    "~^[A-Za-z0-9+=/-]{20,200}$" $http_x_request_id;
    default $request_id;
}

# X-Request-Start: ms since the epoch ($msec is seconds, with ms after a dot).
map $msec $${v}_request_start {
    "~^([0-9]+)\\.([0-9]{3})$" $1$2;
}

# The Host the client sent, port included; the address it reached for HTTP/1.0 without one.
map $http_host $${v}_host {
    "" $server_addr:$server_port;
    default $http_host;
}

map $http_upgrade $${v}_connection {
    "" "";
    default upgrade;
}

# The instance name for the log, from the address nginx sent the request to.
map $upstream_addr $${v}_dyno {
${dynos}    default -;
}

${secondsToMs(`${v}_connect`, '$upstream_connect_time')}
${secondsToMs(`${v}_service`, '$upstream_response_time')}`;
}

/** nginx times are seconds with three decimals (`0.012`): the last one, as `12ms`. */
function secondsToMs(name: string, source: string): string {
  return `map ${source} $${name} {
    "~(?:^| )0\\.0{0,2}([0-9]+)$" $1ms;
    "~(?:^| )([1-9][0-9]*)\\.([0-9]{3})$" $1$2ms;
    default -;
}
`;
}
