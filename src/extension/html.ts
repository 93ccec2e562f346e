/** Text put into the extension's own HTML pages (the dashboard's shell, the doctor's report). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
