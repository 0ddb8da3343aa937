/** The prefix `destination` is under, on whole segments (`/app/x` is under `/app`, `/apps` is not). */
export function prefixOf(destination: string, prefixes: readonly string[]): string | undefined {
  for (const prefix of prefixes) {
    if (
      destination.startsWith(prefix) &&
      (destination.length === prefix.length || destination[prefix.length] === '/')
    ) {
      return prefix;
    }
  }
  return undefined;
}
