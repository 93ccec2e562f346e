/** Entry of the dashboard webview: the store listens to the host, the app renders, then the host is told we are ready. */
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { App } from './App';
import { DashboardStore } from './store';
import { post } from './vscode';

const store = new DashboardStore();
window.addEventListener('message', (event: MessageEvent) => store.receive(event.data));
render(<App store={store} />, document.getElementById('app')!);
post({ type: 'ready' });
