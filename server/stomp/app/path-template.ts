import { SockJsError } from '../../../protocol';

/** A compiled mapping pattern: `/room.{id}`, `/orders/*`, `/audit/**`. */
export interface PathTemplate {
  readonly pattern: string;
  /** The `{name}` values when `path` matches, else undefined. */
  match(path: string): Record<string, string> | undefined;
  /** The pattern with `{name}`s filled in from `variables` (a `sendTo` destination). */
  fill(variables: Readonly<Record<string, string>>): string;
}

const TOKEN = /\{([A-Za-z_$][\w$]*)\}|\*\*|\*/g;

/**
 * Spring's `@MessageMapping` patterns: `{name}` captures one segment, `*` matches one segment, `**`
 * any number. A segment ends at `/`, and also at `.` when the pattern uses dots (`/room.{id}`), as
 * with Spring's dot separator.
 */
export function compileTemplate(pattern: string): PathTemplate {
  if (typeof pattern !== 'string' || !pattern.startsWith('/') || /[\s\0]/.test(pattern)) {
    throw new SockJsError(
      'ERR_INVALID_OPTION',
      `mapping pattern ${JSON.stringify(pattern)} must start with "/", no spaces`,
    );
  }
  const segment = pattern.includes('.') ? '[^/.]+' : '[^/]+';
  const names: string[] = [];
  let source = '^';
  let last = 0;
  for (const token of pattern.matchAll(TOKEN)) {
    source += escapeRegExp(pattern.slice(last, token.index));
    if (token[1] !== undefined) {
      if (names.includes(token[1]))
        throw new SockJsError('ERR_INVALID_OPTION', `mapping pattern ${pattern} names {${token[1]}} twice`);
      names.push(token[1]);
      source += `(${segment})`;
    } else source += token[0] === '**' ? '.*' : segment;
    last = token.index + token[0].length;
  }
  source += `${escapeRegExp(pattern.slice(last))}$`;
  const regexp = new RegExp(source);
  return {
    pattern,
    match(path) {
      const found = regexp.exec(path);
      if (!found) return undefined;
      const variables: Record<string, string> = {};
      names.forEach((name, i) => (variables[name] = found[i + 1] as string));
      return variables;
    },
    fill(variables) {
      return pattern.replace(/\{([A-Za-z_$][\w$]*)\}/g, (whole, name: string) => variables[name] ?? whole);
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
