/**
 * `mcp-tunnel`: the headless front of the same engine the editor runs.
 *   run | doctor | init | profiles | health | admin | admin-profiles | relay | loopback | demo | help
 */
import { tuneOwnHeap } from '../host/heap';
import { CLIENT_VERSION } from '../version';
import { COMMANDS, frontDoorAuthOf, logLevelOf, parseCommandLine } from './options';
import { createCliLogger, EXIT_CONFIG, exitWhenDone, onShutdownSignal, UsageError } from './output';

// Each command loads only what it uses: the bundle evaluates a required module on
// first use, so `loopback` never pays for profile loaders, YAML or the MCP client.
const commands = {
  demo: () => require('./demo') as typeof import('./demo'),
  loopback: () => require('./loopback') as typeof import('./loopback'),
  relay: () => require('./relayCommand') as typeof import('./relayCommand'),
  profile: () => require('./profileCommands') as typeof import('./profileCommands'),
  profiles: () => require('./profilesCommand') as typeof import('./profilesCommand'),
  health: () => require('./healthCommand') as typeof import('./healthCommand'),
  help: () => require('./helpTopics') as typeof import('./helpTopics'),
  admin: () => require('./adminCommand') as typeof import('./adminCommand'),
  adminProfiles: () => require('./adminProfiles') as typeof import('./adminProfiles'),
};

/** Commands that take words after their name (`profiles show NAME`, `help TOPIC`). */
const WITH_ARGUMENTS = new Set(['profiles', 'help', 'admin', 'admin-profiles']);

const HELP = `mcp-tunnel ${CLIENT_VERSION}: connect a private MCP server to hosted agents through the Secure MCP Tunnel

Usage:
  mcp-tunnel run      [--profile NAME | --profile-file FILE] [overrides] [--embedded-mcp-stub] [--open-web-ui] [--allow-remote-ui]   run the tunnel daemon (web UI at <health>/ui)
  mcp-tunnel doctor   [--profile NAME | --profile-file FILE] [--explain] [--json [--json-shape reference|mcp-tunnel]]
  mcp-tunnel init     --sample stdio-local|remote-http|oauth-http|enterprise-proxy --profile NAME [--force]
  mcp-tunnel profiles list [--json] | show NAME | add NAME (--sample S | --from-file FILE) [--force]
                      | edit NAME | samples list | samples show NAME        [--profile-dir DIR]
  mcp-tunnel health   (--url URL | --url-file FILE | --port N) [--require-control-plane-poll]
                      [--pid N | --pid-file FILE] [--json]                  exit 0 when live and ready
  mcp-tunnel admin tunnels get ID | list | create --name N --description D | update ID | delete ID --confirm
                      [--admin-key env:NAME|file:PATH] [--organization-id ID] [--workspace-id ID]
                      [--tenant-id ID] [--base-url URL] [--json]     manage tunnels with an admin key
  mcp-tunnel admin-profiles list | set NAME [--admin-key env:NAME|file:PATH] [--base-url URL] [--no-activate]
                      | activate NAME | delete NAME [--json]          saved admin-key references
  mcp-tunnel relay    [--listen 127.0.0.1:0] [--tunnel-id ID] [--front-door-auth bearer|none] [--print-json]
                      [--admin-key env:NAME|file:PATH] [--organization-id ID] [--workspace-id ID]
  mcp-tunnel loopback (--mcp-command CMD | --mcp-server-url URL) [--listen …] [--front-door-auth …] [--print-json]
                      [--session-mode per_session|shared] [--max-sessions N] [--session-idle-timeout D]
  mcp-tunnel demo     [--once]

Profile selection (mutually exclusive; else TUNNEL_CLIENT_CONFIG, _PROFILE, _PROFILE_FILE):
  --config FILE  --profile NAME  --profile-file FILE   [--profile-dir DIR]

Overrides (flags > env > YAML profile > defaults); the reference daemon's
spellings work too, and its dash aliases (--control-plane-tunnel-id …):
  --tunnel-id | --control-plane.tunnel-id ID      --base-url | --control-plane.base-url URL
  --control-plane.url-path PATH   --control-plane.organization-id ID
  --api-key | --control-plane.api-key env:NAME|file:PATH
  --control-plane.client-cert FILE  --control-plane.client-key FILE  --control-plane.http-proxy URL
  --control-plane.max-inflight N  --control-plane.poll-timeout 30s  --control-plane.poll-deadline-guardrail 5s
  --control-plane.poll-channel NAME (repeat)  --control-plane.extra-headers 'Name: value' (repeat)
  --mcp-command CMD | --mcp.command [channel=NAME,command=]CMD (repeat)
  --mcp-server-url URL | --mcp.server-url [channel=NAME,url=]URL[,http-proxy=…,client-cert=…,client-key=…] (repeat)
  --mcp.http-proxy URL  --mcp.client-cert FILE  --mcp.client-key FILE  --mcp.extra-headers 'Name: value' (repeat)
  --mcp.discovery-extra-headers 'Name: value' (repeat; OAuth discovery requests only)
  --mcp.startup-wait-timeout 60s  --mcp.connection-max-ttl 10m  --mcp.max-concurrent-requests N
  --ca-bundle FILE  --http-proxy URL (every hop)  --pid.file FILE
  --health-listen | --health.listen-addr HOST:PORT  --health-url-file | --health.url-file FILE
  --log-level | --log.level LEVEL  --log-format | --log.format text|struct-text|json  --log.file FILE
  --harpoon.target label=NAME,url=URL[,desc=TEXT][,unix-socket=PATH] (repeat)  --harpoon.allow-plaintext-http
  --harpoon.max-response-bytes N  --harpoon.max-redirects N  --harpoon.http-proxy URL  --harpoon.capture-payloads
  --harpoon.hosts-include-suffix S (repeat)  --harpoon.hosts-include-regex RE (repeat)
  --open-web-ui  --allow-remote-ui  --admin-ui.log-buffer-events N   (the web UI at <health>/ui)
Reference flags of features this client lacks (--cloudflared.*, --harpoon.additional-transport, …)
are ignored with a warning; --cloudflared.managed and --cloudflared.token are refused.

Environment: CONTROL_PLANE_BASE_URL, CONTROL_PLANE_TUNNEL_ID, CONTROL_PLANE_API_KEY
(or OPENAI_API_KEY), MCP_COMMAND, MCP_SERVER_URL, HEALTH_LISTEN_ADDR, LOG_LEVEL, LOG_FORMAT,
OPEN_WEB_UI, ALLOW_REMOTE_UI, …
(every variable of the reference tunnel-client; see the README).
API keys are never accepted as flags: use the environment or a file: reference.

Guides: mcp-tunnel help quickstart | samples | doctor | oauth | admin | troubleshooting | web-ui
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.version) {
    process.stdout.write(`${CLIENT_VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : EXIT_CONFIG;
  }
  if (positionals.length > 1 && !WITH_ARGUMENTS.has(command)) throw new UsageError(`unexpected argument "${positionals[1]}". Run "mcp-tunnel --help" for usage.`);
  const format = values['log-format'] === 'json' ? 'json' : 'text';

  // The commands that serve for hours keep their heap near its live size (src/host/heap.ts).
  if (command === 'run' || command === 'loopback' || command === 'relay' || command === 'demo') tuneOwnHeap();
  switch (command) {
    case 'run':
      return commands.profile().runRunCommand(values);
    case 'doctor':
      return commands.profile().runDoctorCommand(values);
    case 'init':
      return commands.profile().runInitCommand(values);
    case 'profiles':
      return commands.profiles().runProfilesCommand(positionals.slice(1), values);
    case 'health':
      return commands.health().runHealthCommand(values);
    case 'help': {
      if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}": help takes one topic`);
      process.stdout.write(commands.help().helpTopic(positionals[1], COMMANDS) ?? HELP);
      return 0;
    }
    case 'admin':
      return commands.admin().runAdminCommand(positionals.slice(1), values);
    case 'admin-profiles':
      return commands.adminProfiles().runAdminProfilesCommand(positionals.slice(1), values);
    case 'relay':
      return commands.relay().runRelayCommand(values, createCliLogger(logLevelOf(values), format), frontDoorAuthOf(values));
    case 'loopback': {
      const logger = createCliLogger(logLevelOf(values), format);
      const loopback = await commands.loopback().startLoopback({
        mcpCommand: values['mcp-command'],
        mcpServerUrl: values['mcp-server-url'],
        listen: values.listen ?? '127.0.0.1:0',
        frontDoorAuth: frontDoorAuthOf(values),
        healthListen: values['health-listen'] ?? '127.0.0.1:0',
        healthUrlFile: values['health-url-file'],
        sessionMode: values['session-mode'],
        maxSessions: values['max-sessions'],
        sessionIdleTimeout: values['session-idle-timeout'],
        logger,
      });
      onShutdownSignal(() => loopback.stop());
      await commands.loopback().untilReady(loopback);
      if (values['print-json']) process.stdout.write(JSON.stringify(loopback.info) + '\n');
      logger.info('loopback tunnel ready', { mcp_url: loopback.info.mcp_url, health_url: loopback.info.health_url });
      return -1;
    }
    case 'demo': {
      const logger = createCliLogger(logLevelOf(values, 'warn'), format);
      const loopback = await commands.demo().runDemo({ once: values.once ?? false, logger, listen: values.listen ?? '127.0.0.1:0', healthListen: values['health-listen'] ?? '127.0.0.1:0' });
      if (values.once) {
        await loopback.stop();
        return 0;
      }
      onShutdownSignal(() => loopback.stop());
      return -1;
    }
    default:
      throw new UsageError(`unknown command "${command}": use ${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS[COMMANDS.length - 1]}`);
  }
}

exitWhenDone(main(process.argv.slice(2)));
