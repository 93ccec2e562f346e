/** Renders the dashboard against the installed host: the store listens to it, the app renders, then the host is told we are ready. */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { App } from './App';
import { installHost, listen, post, type DashboardHost } from './host';
import { DashboardStore } from './store';

export function mountDashboard(host: DashboardHost): void {
  installHost(host);
  const store = new DashboardStore();
  listen((data) => store.receive(data));
  render(<App store={store} />, document.getElementById('app')!);
  post({ type: 'ready' });
}
