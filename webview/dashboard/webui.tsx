/** Entry of the daemon's web UI (/ui of `mcp-tunnel run`): the same app over HTTP and server-sent events. */
import './webui-theme.css';
import { httpHost } from './httpHost';
import { mountDashboard } from './mount';

mountDashboard(httpHost());
