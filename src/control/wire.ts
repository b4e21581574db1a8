// What every side of the control socket needs to frame a message, without the schemas: the
// schemas (src/control/protocol.ts, on zod) are loaded only once a message must be checked, so a
// `dozen start` that is never asked anything does not pay for them (~14 MB, ~150 ms).

export const PROTOCOL_VERSION = 1;

/**
 * What a server of this version does beyond protocol 1 as first released, announced in `hello`
 * (`features`): a newer client asks before it relies on one (an older server would ignore an
 * unknown parameter such as `mode: "surge"` and do something else).
 */
export const FEATURES = ['surge', 'logs', 'releases'];

/** A line longer than this is refused (the connection is closed): requests are small. */
export const MAX_LINE_BYTES = 1024 * 1024;

export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
