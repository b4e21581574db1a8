// The small page the router answers with when it cannot get an answer from the app.
import { ROUTER_ERRORS, type RouterErrorCode } from './request-log.js';

const ADVICE: Partial<Record<RouterErrorCode, string>> = {
  H11: 'Too many requests are waiting for the app to start.',
  H12: 'The app did not answer in time.',
  H13: 'The app closed the connection without answering.',
  H14: 'No web process is running: start one (dozen restart web, dozen scale web=1).',
  H20: 'The app did not start in time.',
  H21: 'The app refused the connection.',
};

export function errorPage(code: RouterErrorCode, requestId: string): string {
  const title = ROUTER_ERRORS[code];
  const advice = ADVICE[code] ?? '';
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;color:#333">\n` +
    `<h1>Application error</h1>\n<p>${advice}</p>\n<p><small>dozen router: ${code} ${title} · request ${requestId}</small></p>\n</body></html>\n`
  );
}
