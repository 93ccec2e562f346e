/** The extension's own HTML pages (the dashboard's shell, the doctor's report): escaping, and the page around a body. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A webview page: its content security policy (directives), title (text), what else goes in <head> (HTML) and the body (HTML). */
export function htmlPage(page: { csp: readonly string[]; title: string; head: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${page.csp.join('; ')}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${page.head}
<title>${escapeHtml(page.title)}</title>
</head>
<body>
${page.body}
</body>
</html>`;
}
