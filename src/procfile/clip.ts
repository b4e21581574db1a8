/** Shortens text quoted in a message, so one long bad line cannot flood the terminal. */
export function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
