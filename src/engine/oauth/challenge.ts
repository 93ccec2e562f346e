/**
 * Reading `WWW-Authenticate` (RFC 9110 §11.6.1): the challenges of one or
 * more header lines, and the `resource_metadata` parameter of a Bearer
 * challenge (RFC 9728 §5.1), which names the protected-resource metadata URL.
 */

export interface AuthChallenge {
  /** Lower case. */
  scheme: string;
  /** Parameter names in lower case, values unquoted; in header order. */
  params: Array<[name: string, value: string]>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACES = /[ \t]*/y;
/** A token68 credential (`Negotiate abc/def==`) standing alone before the next comma. */
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*[ \t]*(?=,|$)/y;
/** An unquoted parameter value: lenient, as servers write bare URLs (`resource_metadata=https://…`). */
const BARE_VALUE = /[^,\s]*/y;

function match(re: RegExp, text: string, pos: number): string {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? m[0] : '';
}

/** A quoted-string starting at `pos` (on the opening quote): its value and where it ends. */
function quoted(text: string, pos: number): { value: string; end: number } {
  let value = '';
  let i = pos + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
      i++;
    }
  }
  return { value, end: i };
}

/**
 * Every challenge of the given header values (several lines read as one
 * comma-separated list). Commas inside quoted values do not split; a
 * parameter is attached to the challenge it follows.
 */
export function parseChallenges(values: string | readonly string[] | undefined): AuthChallenge[] {
  if (values === undefined) return [];
  const text = (typeof values === 'string' ? [values] : values).join(', ');
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos];
    if (c === ',' || c === ' ' || c === '\t') {
      pos++;
      continue;
    }
    const token = match(TOKEN, text, pos);
    if (token === '') {
      // Not a token: skip to the next comma.
      const next = text.indexOf(',', pos);
      pos = next === -1 ? text.length : next + 1;
      continue;
    }
    pos += token.length;
    const afterSpaces = pos + match(SPACES, text, pos).length;
    if (text[afterSpaces] === '=') {
      // name=value, a parameter of the current challenge.
      pos = afterSpaces + 1;
      pos += match(SPACES, text, pos).length;
      let value: string;
      if (text[pos] === '"') {
        const q = quoted(text, pos);
        value = q.value;
        pos = q.end;
      } else {
        value = match(BARE_VALUE, text, pos);
        pos += value.length;
      }
      current?.params.push([token.toLowerCase(), value]);
      continue;
    }
    current = { scheme: token.toLowerCase(), params: [] };
    challenges.push(current);
    pos = afterSpaces;
    // After the scheme and a space comes either a credential alone (token68) or parameters.
    pos += match(TOKEN68, text, pos).length;
  }
  return challenges;
}

/** The non-empty `resource_metadata` values of the Bearer challenges, in header order. */
export function bearerResourceMetadata(values: string | readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const challenge of parseChallenges(values)) {
    if (challenge.scheme !== 'bearer') continue;
    for (const [name, value] of challenge.params) if (name === 'resource_metadata' && value !== '') out.push(value);
  }
  return out;
}
