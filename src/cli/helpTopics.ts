/**
 * `mcp-tunnel help TOPIC`: short guides for the tasks an operator looks up,
 * beside the usage text of `mcp-tunnel --help`. Every command and flag they
 * name exists (test/unit/cli/helpTopics.test.ts checks them).
 */
import { UsageError } from './output';

const QUICKSTART = `mcp-tunnel help quickstart: from nothing to a running tunnel

What you need:
  - a tunnel id (tunnel_ and 32 lowercase letters or digits), from the
    tunnel settings of your Platform organization
  - a runtime API key with Tunnels Read + Use (never an admin key), exported
    as CONTROL_PLANE_API_KEY (OPENAI_API_KEY is read when it is unset)
  - an MCP server: a command on this machine or a Streamable HTTP URL

Try the whole path on this machine first, with no key and no account:
  mcp-tunnel demo --once

1. Write a profile (a YAML file in ~/.config/tunnel-client/):
     mcp-tunnel profiles add local --sample stdio-local --tunnel-id tunnel_... \\
       --mcp-command "python /path/server.py"
   or for an HTTP server:
     mcp-tunnel profiles add docs --sample remote-http --tunnel-id tunnel_... \\
       --mcp-server-url http://127.0.0.1:3000/mcp
2. Export the key and check everything before starting:
     export CONTROL_PLANE_API_KEY=...
     mcp-tunnel doctor --profile local --explain
3. Run it (Ctrl+C stops it):
     mcp-tunnel run --profile local --health-listen 127.0.0.1:8080
4. From another terminal, or a container HEALTHCHECK:
     mcp-tunnel health --port 8080

No MCP server yet? With the key exported, this serves the bundled sample
server (tools echo, add, countdown) through your real tunnel:
  mcp-tunnel run --embedded-mcp-stub --tunnel-id tunnel_...

More: mcp-tunnel help samples | doctor | oauth | troubleshooting
`;

const SAMPLES = `mcp-tunnel help samples: starting points for a profile

  mcp-tunnel profiles samples list          the samples, one line each
  mcp-tunnel profiles samples show NAME     what it is for, its inputs, and the file it writes

Samples:
  stdio-local        a local command the tunnel starts as a stdio MCP server
  remote-http        a Streamable HTTP MCP server reached from this machine
  oauth-http         an OAuth-protected Streamable HTTP MCP server (the connector signs users in)
  enterprise-proxy   an HTTP MCP server behind an outbound proxy, with a private CA and JSON logs

Write one (mode 0600, never with the key itself: the key stays env:CONTROL_PLANE_API_KEY):
  mcp-tunnel profiles add NAME --sample stdio-local [--tunnel-id ID] [--mcp-command CMD]
  mcp-tunnel init --sample remote-http --profile NAME [--mcp-server-url URL]
Copy an existing file in:   mcp-tunnel profiles add NAME --from-file profile.yaml
Change it later:            mcp-tunnel profiles edit NAME
                            (opens $VISUAL or $EDITOR; saved only if it validates)

The reference client's names are accepted too: sample_mcp_stdio_local,
sample_mcp_remote_no_auth, sample_mcp_enterprise_proxy, and sample_mcp_with_dcr
(oauth-http, or stdio-local with --mcp-command).
`;

const DOCTOR = `mcp-tunnel help doctor: check a profile before it runs

  mcp-tunnel doctor --profile NAME              one line per check
  mcp-tunnel doctor --profile NAME --explain    with why each problem matters and what to do
  mcp-tunnel doctor --profile-file FILE --json  for scripts

It checks: the configuration validates; the tunnel id; the API key reference
resolves (its value is never printed) and is not an admin key; each MCP
command can be found, each MCP URL accepts connections; the health address
can be bound; the health URL file and TLS files can be used.

Exit code 0 when nothing failed (warnings do not fail), 2 when a check failed.

--json prints the reference client's report shape: result (ok|fail),
failed_checks, next, and checks with id, status (PASS|FAIL|SKIP), summary,
why, evidence and next. With --json-shape mcp-tunnel, doctor prints this tool's
own shape instead: checks with id, title, status (ok|warn|fail), detail, why and fix,
with counts and exitCode.
`;

const OAUTH = `mcp-tunnel help oauth: OAuth-protected MCP servers

The connector (ChatGPT, Codex) runs the OAuth flow itself; the tunnel carries it:
  - a 401 or 403 from your server reaches the connector with its status and
    its WWW-Authenticate challenge, whatever the body;
  - when the connector asks for your server's protected-resource metadata
    (RFC 9728), the tunnel fetches it from this machine: the URL named by the
    challenge's resource_metadata, then
      GET /.well-known/oauth-protected-resource/<your MCP path>
      GET /.well-known/oauth-protected-resource
    (404, 5xx, empty or invalid answers fall through to the next; redirects
    only within the same origin; 1 MiB at most);
  - the user's token, in the connector's Authorization header, reaches your
    server; it wins over a header you configured for the MCP hop.
The tunnel keeps no user tokens and signs in nowhere itself.

At startup the tunnel fetches that metadata and authorization_servers[0]'s
metadata (/.well-known/oauth-authorization-server, then openid-configuration)
and logs what it found. /readyz says
  oauth discovery pending            while it runs (a few seconds at most)
  oauth discovery failed: ...        your server wants a token but its metadata
                                     could not be fetched (retried with back-off)
  ready (MCP initialize requires auth: HTTP 401 ...)   all good: the
                                     connector brings the token
A server without OAuth (every candidate answers 404) is simply ready.

Check it before you start:   mcp-tunnel doctor --profile NAME   (oauth_metadata)
Try the whole flow locally:  see "OAuth-protected servers" in the README.
Discovery-only headers:      mcp.discovery_extra_headers / MCP_DISCOVERY_EXTRA_HEADERS

A fixed credential of your own (a service token, not a user's) goes in the
profile as a header, always as a reference:
  mcp:
    server_urls:
      - channel: main
        url: https://mcp.internal.example/mcp
        headers:
          Authorization: env:MCP_SERVER_AUTHORIZATION
The connector's own Authorization header, when it sends one, replaces it.
`;

const TROUBLESHOOTING = `mcp-tunnel help troubleshooting: when the tunnel is not ready

Ask the running tunnel first:
  mcp-tunnel health --port 8080           (or --url-file FILE: see health.url_file, HEALTH_URL_FILE)
  curl -s http://127.0.0.1:8080/readyz    the reason in one line
  curl -s http://127.0.0.1:8080/metrics   Prometheus metrics
/healthz answers 200 while the process runs; /readyz answers 200 only once the
control plane answered a poll and every MCP server is up.

What /readyz says, and where to look:
  waiting for the control plane to answer a poll
      still starting, or the network blocks the way out
  control plane unreachable ...
      DNS, the proxy (http_proxy, HTTPS_PROXY) or TLS trust (ca_bundle)
  auth error: ...
      a wrong key, an admin key, or a key without Tunnels Read + Use
  MCP server "main" crashed: ... / restarting: ...
      the command, its PATH, its working directory, its stderr (in the reason)
  MCP probe failed: ...
      the MCP URL does not answer from this machine

Common start errors (exit code 2) name the setting and its fix; run
  mcp-tunnel doctor --profile NAME --explain
to see all of them at once.

Logs: --log-level debug logs more detail; --log-format json writes one JSON
object a line. API keys never appear in logs.

To rule out the network, run the whole tunnel on this machine:
  mcp-tunnel loopback --mcp-command "CMD"    (or --mcp-server-url URL)
and point an MCP client at the printed mcp_url.
`;

const ADMIN = `mcp-tunnel help admin: manage tunnels with an admin key

Two keys, never mixed:
  runtime key  Tunnels Read + Use      CONTROL_PLANE_API_KEY: what mcp-tunnel run polls with
  admin key    Tunnels Read + Manage   OPENAI_ADMIN_KEY: create, list, update, delete tunnels
The relay refuses each on the other's endpoints (403), as the hosted service does.

  export OPENAI_ADMIN_KEY=...
  mcp-tunnel admin tunnels create --name "Docs MCP" --description "Docs server" \\
    --workspace-id ws_... [--organization-id org_...]
  mcp-tunnel admin tunnels list --workspace-id ws_...    (or --organization-id, --tenant-id)
  mcp-tunnel admin tunnels get tunnel_...                (the runtime key works here too)
  mcp-tunnel admin tunnels update tunnel_... --name "New name" [--description D]
  mcp-tunnel admin tunnels delete tunnel_... --confirm
Add --json for the API's JSON (errors too), --base-url URL for another control plane.
Include the ChatGPT workspace id so the tunnel shows in that workspace's connector picker.

Keys are given by reference, never on the command line: --admin-key env:NAME or
--admin-key file:/path. Save one as an admin profile (only the reference is written):
  mcp-tunnel admin-profiles set work --admin-key env:OPENAI_ADMIN_KEY
  mcp-tunnel admin-profiles list | activate work | delete work
Admin commands use --admin-key, else OPENAI_ADMIN_KEY, else the profile named by
TUNNEL_MCP_ADMIN_PROFILE or the active one. Profiles live in TUNNEL_CLIENT_STATE_DIR
(default $XDG_STATE_HOME/tunnel-client or ~/.local/state/tunnel-client).

When a call is refused:
  401  the key is unknown or revoked: check the variable or file it comes from
  403 on list/create/update/delete: use an admin key whose principal has Tunnels
       Manage, scoped to the right --organization-id / --workspace-id
  403 while polling (mcp-tunnel run): the runtime key lacks Tunnels Use for the tunnel
  get works but list fails: expected with only the runtime key

Try it all on this machine: mcp-tunnel relay --print-json prints both keys
(api_key, admin_key) and its organization_id and workspace_id.
`;

const WEB_UI = `mcp-tunnel help web-ui: the dashboard of a headless run, in a browser

mcp-tunnel run serves the editor's dashboard at /ui on its health server:
health, metrics, the trace with payloads, the tool runner, live logs with a
log level switch, and Export logs (a zip). Start/Stop are not offered: the
process is the tunnel.

  mcp-tunnel run --profile NAME --health-listen 127.0.0.1:8080
  # the startup log prints: web UI ready: open this URL … url=http://127.0.0.1:8080/ui?token=…
  # with --health-url-file FILE, the same URL is in FILE.ui (mode 0600)

The token is new for every process; the URL sets a cookie and drops it from
the address bar. Scripts send Authorization: Bearer TOKEN instead:
  GET  /api/log-level            PUT /api/log-level  {"level":"debug"}
  GET  /api/logs?level=warn&q=TEXT
  GET  /api/logs/export?minutes=30   (1..1440): logs, metrics, status, system and
       the configuration, secrets redacted

Settings (flag, environment, profile key admin_ui.*):
  --open-web-ui                    OPEN_WEB_UI=true       open_browser: open it in the browser
  --allow-remote-ui                ALLOW_REMOTE_UI=true   allow_remote: serve it beyond loopback
  --admin-ui.log-buffer-events N   ADMIN_UI_LOG_BUFFER_EVENTS   log_buffer_events (default 2000)

Only loopback by default: on 0.0.0.0 or another address /ui and /api answer 403
until you pass --allow-remote-ui (put TLS and a proxy in front; the token is
still required). Every request must name this server in Host and, when sent,
Origin, so a web page cannot reach it through DNS rebinding.
Over SSH: ssh -L 8080:127.0.0.1:8080 HOST, then open the URL on your machine.
`;

export const HELP_TOPICS: Readonly<Record<string, string>> = {
  quickstart: QUICKSTART,
  samples: SAMPLES,
  doctor: DOCTOR,
  oauth: OAUTH,
  admin: ADMIN,
  troubleshooting: TROUBLESHOOTING,
  'web-ui': WEB_UI,
};

/** The text for `help TOPIC`; undefined for no topic or a command without a topic (the caller prints the usage). */
export function helpTopic(topic: string | undefined, commands: readonly string[]): string | undefined {
  if (topic === undefined) return undefined;
  const text = Object.hasOwn(HELP_TOPICS, topic) ? HELP_TOPICS[topic] : undefined;
  if (text === undefined && commands.includes(topic)) return undefined;
  if (text === undefined) throw new UsageError(`no help topic "${topic.slice(0, 40)}": topics are ${Object.keys(HELP_TOPICS).join(', ')}`);
  return text;
}
