/**
 * What the Tunnels view says about a profile beyond its state word: the
 * profile's tooltip and the OAuth detail row, as Markdown for a
 * `vscode.MarkdownString` with theme icons. Free of the editor API, so unit
 * tests read exactly the text the user is shown.
 */
import type { OAuthStatus } from '../engine/events';
import { oauthSummary, type OAuthSummary } from '../../webview/model/oauth';
import type { ProfileEntry } from './profiles';
import type { TunnelView } from './tunnels';

/** `text` shown as itself in Markdown: every character Markdown could read as syntax escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** `text` as inline code: a URL stays one unlinked, unescaped run whatever characters it holds. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A span that holds backticks is padded, so none of them touches the fence.
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A failed discovery wears the icon every problem in the tooltip wears. */
const OAUTH_ICON: Record<OAuthSummary['tone'], string> = { ok: '$(key)', idle: '$(info)', busy: '$(loading~spin)', warn: '$(warning)' };

/** The OAuth section of a tooltip: what discovery found, then the authorization server, token and registration endpoints it learned. */
export function oauthTooltip(oauth: OAuthStatus): string {
  const summary = oauthSummary(oauth);
  const lead = escapeMarkdown(summary.lead);
  const lines = [`${OAUTH_ICON[summary.tone]} ${summary.url ? `${lead} ${codeSpan(summary.url)}` : lead}`];
  for (const e of summary.endpoints) lines.push(`${escapeMarkdown(e.label)}: ${codeSpan(e.url)}`);
  return lines.join('  \n');
}

function host(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

/** The "OAuth" row under a running profile: a few words, a codicon id, and the tooltip section as its tooltip. */
export function oauthRow(oauth: OAuthStatus): { description: string; icon: string; tooltip: string } {
  const summary = oauthSummary(oauth);
  const tooltip = oauthTooltip(oauth);
  switch (oauth.state) {
    case 'found': {
      const server = summary.endpoints.find((e) => e.label === 'Authorization server');
      const at = server && host(server.url);
      return { description: at ? `metadata found · ${at}` : 'metadata found', icon: 'key', tooltip };
    }
    case 'not_advertised':
      return { description: 'not advertised (plain MCP server)', icon: 'unlock', tooltip };
    case 'pending':
      return { description: 'discovery pending…', icon: 'loading~spin', tooltip };
    case 'failed':
      return { description: oauth.error ? `discovery failed: ${oauth.error}` : 'discovery failed', icon: 'warning', tooltip };
  }
}

const normalized = (text: string) => text.trim().replace(/[….]+$/, '').toLowerCase();

/** Whether `problem` (a state reason) only repeats what the OAuth section says, as "oauth discovery pending" or "oauth discovery failed: …" do. */
export function repeatsOAuth(problem: string, oauth: OAuthStatus | undefined): boolean {
  return oauth !== undefined && normalized(problem) === normalized(oauthSummary(oauth).headline);
}

/**
 * A profile node's tooltip: name and state, where it is defined, its problem,
 * and, for an HTTP main channel, its OAuth discovery. A problem that only
 * repeats a failed discovery ("oauth discovery failed: …") is said once, in
 * the OAuth section.
 */
export function profileTooltip(entry: ProfileEntry, view: TunnelView | undefined, word: string): string {
  let md = `**${entry.name}** — ${word}  \n`;
  md += `${entry.scope === 'user' ? 'User' : 'Workspace'} settings`;
  if (entry.loopback) md += ' · on this machine only (loopback)';
  else if (entry.profile) md += ` · tunnel \`${entry.profile.controlPlane.tunnelId}\``;
  const oauth = view?.status?.oauth;
  const problem = entry.error ?? entry.blockedReason ?? view?.lastError;
  if (problem && !repeatsOAuth(problem, oauth)) md += `\n\n$(warning) ${escapeMarkdown(problem)}`;
  if (oauth) md += `\n\n${oauthTooltip(oauth)}`;
  return md;
}
