/** A proxy config as the tests read it: its directives, one per line, comments and blank lines dropped. */
export function directives(config: string): string {
  return config
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join('\n');
}
