import type { Context } from 'hono';
import type { ConnectWiseState } from './state.js';

/**
 * A stand-in for the ConnectWise web UI around a Hosted API page (reference/connectwise.md, "Buttons inside the ticket"):
 * frames the connector's page with `[cw_id]`/`[cw_screen]` replaced, then speaks the postMessage protocol with JSON
 * strings — `{MessageFrameID}` first, `{event:"onLoad", data:{screen:"ticket", id}}` after it, and the member's
 * authentication when the page asks with `{hosted_request:"getMemberAuthentication", frameID}`.
 * Messages received from the frame are kept in `window.cwHostEvents` for browser tests.
 */
export function hostedHostPage(c: Context, state: ConnectWiseState, siteHost: string): Response {
  const rawUrl = c.req.query('url');
  const id = c.req.query('id') ?? '';
  const member = state.member(c.req.query('member') ?? state.members[0]?.identifier ?? '');
  if (!rawUrl || !/^https?:\/\//i.test(rawUrl)) return c.text('url must be an absolute http(s) URL', 400);
  if (!/^\d+$/.test(id)) return c.text('id must be a ticket id', 400);
  if (!member) return c.text('unknown member', 400);

  const src = rawUrl.replaceAll('[cw_id]', encodeURIComponent(id)).replaceAll('[cw_screen]', 'ticket');
  const config = {
    src,
    frameId: `cw-frame-${Math.random().toString(36).slice(2, 10)}`,
    id: Number(id),
    auth: {
      site: siteHost,
      companyid: state.seed.companyId,
      memberid: member.identifier,
      memberHash: member.memberHash,
      memberEmail: member.officeEmail,
      memberContext: 'web',
    },
  };
  // JSON inside <script>: escape "<" so a crafted URL cannot close the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Service Ticket #${config.id} - ConnectWise PSA (sandbox)</title></head>
<body>
<h1>Service Ticket #${config.id}</h1>
<iframe id="hosted" title="Hosted API" style="width:100%;height:640px;border:1px solid #ccc"></iframe>
<script>
const cfg = ${json};
window.cwHostEvents = [];
const frame = document.getElementById('hosted');
const target = new URL(cfg.src).origin;
const send = (message) => frame.contentWindow.postMessage(JSON.stringify(message), target);
frame.addEventListener('load', () => {
  send({ MessageFrameID: cfg.frameId });
  send({ event: 'onLoad', data: { screen: 'ticket', id: cfg.id } });
});
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  let message;
  try { message = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch { return; }
  window.cwHostEvents.push(message);
  if (message && message.hosted_request === 'getMemberAuthentication' && message.frameID === cfg.frameId) {
    send({ response: 'getmemberauthentication', data: cfg.auth });
  }
});
frame.src = cfg.src;
</script>
</body></html>`;
  return c.html(html);
}
