/** Entry of the editor's dashboard webview: the app over VS Code's webview API. */
import { mountDashboard } from './mount';
import { vscodeHost } from './vscode';

mountDashboard(vscodeHost());
